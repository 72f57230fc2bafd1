select
    path,
    version,
    doc_id,
    size_bytes,
    first_seen_run,
    last_seen_run,
    superseded_run,
    superseded_run is null as is_current
from {{ source('raw', 'file_versions') }}
