select
    quarantine_id,
    run_id,
    stage,
    path,
    reason,
    size_bytes,
    sha256,
    detected_at
from {{ source('raw', 'quarantine') }}
