select
    article_id,
    ministry_code,
    alias as matched_alias,
    mentions
from {{ source('raw', 'article_ministries') }}
