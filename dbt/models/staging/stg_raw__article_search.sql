select
    article_id,
    content_hash,
    dictionary_version,
    tokens as search_tokens
from {{ source('raw', 'article_search') }}
