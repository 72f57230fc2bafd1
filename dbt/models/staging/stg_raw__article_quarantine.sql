select
    article_id,
    doc_id,
    source_file,
    position_in_file,
    rule,
    value,
    action,
    reason,
    processed_run
from {{ source('raw', 'article_quarantine') }}
