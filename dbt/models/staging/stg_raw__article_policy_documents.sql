select
    article_id,
    title as document_title,
    doc_type,
    mentions
from {{ source('raw', 'article_policy_documents') }}
