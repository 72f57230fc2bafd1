select
    article_id,
    topic_code,
    score as topic_score,
    is_primary,
    evidence as evidence_terms
from {{ source('raw', 'article_topics') }}
