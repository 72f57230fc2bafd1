select
    doc_id,
    source_path,
    file_name,
    size_bytes,
    encoding,
    decode_note,
    text as original_text,
    char_count,
    first_seen_run,
    last_seen_run,
    ingested_at
from {{ source('raw', 'documents') }}
