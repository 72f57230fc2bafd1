select
    run_id,
    started_at,
    finished_at,
    status,
    documents_new,
    quarantined,
    articles_written,
    articles_total,
    gate_outcome,
    gate_failures
from {{ source('ops', 'runs') }}
