{{ config(materialized='view') }}
-- Documents that are the latest version of at least one input path.
-- A changed, emptied or deleted file's last version is superseded and drops out here
-- (history is never deleted); so does a file an operator set aside (newsetl set-aside).
-- A view: ~10,000 rows at 10,000 pages, cheaper to read live than to rebuild on every run.
with current_paths as (
    select
        doc_id,
        min(path) as source_path,
        count(*) as path_count
    from {{ ref('stg_raw__file_versions') }}
    where
        is_current
        and path not in (
            select decisions.target from {{ ref('stg_ops__decisions') }} as decisions
            where decisions.kind = 'file' and decisions.is_active
        )
    group by doc_id
)

select
    documents.doc_id,
    current_paths.source_path,
    regexp_extract(current_paths.source_path, '[^/]+$') as source_file,
    current_paths.path_count,
    documents.encoding,
    documents.size_bytes,
    documents.char_count,
    documents.first_seen_run,
    documents.last_seen_run,
    documents.ingested_at
from {{ ref('stg_raw__documents') }} as documents
inner join current_paths on documents.doc_id = current_paths.doc_id
