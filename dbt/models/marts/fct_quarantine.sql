-- What was held back or corrected, and why: the quarantine analysts and `newsetl status` read.
with decisions as (
    select
        target,
        kind,
        reason,
        decision_id
    from {{ ref('stg_ops__decisions') }}
    where is_active and kind in ('article', 'file')
),

articles as (
    select
        'article' as level,
        quarantined.article_id,
        quarantined.source_file as file,
        quarantined.position_in_file,
        quarantined.rule,
        quarantined.value,
        quarantined.action,
        quarantined.reason,
        quarantined.processed_run as run_id
    from {{ ref('stg_raw__article_quarantine') }} as quarantined
    inner join {{ ref('int_current_documents') }} as docs on quarantined.doc_id = docs.doc_id
),

published_files as (
    select current_files.source_path as file
    from {{ ref('int_current_documents') }} as current_files
    where current_files.doc_id in (select loaded.doc_id from {{ ref('stg_raw__articles') }} as loaded)
    union all
    select current_files.source_file
    from {{ ref('int_current_documents') }} as current_files
    where current_files.doc_id in (select loaded.doc_id from {{ ref('stg_raw__articles') }} as loaded)
),

-- the latest record per file of a page held back whole or a file refused at ingest, while no
-- current version of that path was published instead
latest_files as (
    select
        path,
        stage,
        reason,
        run_id,
        sha256,
        row_number() over (partition by path order by detected_at desc, reason) as recency
    from {{ ref('stg_raw__quarantine') }}
    where
        stage in ('ingest', 'records', 'process')
        and not contains(path, '#')
),

-- files deleted since: input paths the latest complete scan did not find
gone_paths as (
    select gone.path
    from {{ source('raw', 'paths_gone') }} as gone
),

current_doc_ids as (
    select current_docs.doc_id
    from {{ ref('int_current_documents') }} as current_docs
),

files as (
    select
        'file' as level,
        cast(null as varchar) as article_id,
        latest_files.path as file,
        cast(null as integer) as position_in_file,
        latest_files.stage as rule,
        cast(null as varchar) as value,
        'not_processed' as action,
        latest_files.reason,
        latest_files.run_id
    from latest_files
    where
        latest_files.recency = 1
        -- records and process rows name the file, ingest rows the path
        and latest_files.path not in (
            select published.file from published_files as published
        )
        and latest_files.path not in (select gone_paths.path from gone_paths)
        -- a page held back whole whose file was deleted or replaced since is no longer current
        and (
            latest_files.stage = 'ingest'
            or latest_files.sha256 is null
            or latest_files.sha256 in (select current_doc_ids.doc_id from current_doc_ids)
        )
),

set_aside as (
    select
        decisions.kind as level,
        case when decisions.kind = 'article' then decisions.target end as article_id,
        coalesce(
            case when decisions.kind = 'file' then decisions.target end,
            max(docs.file_name),
            decisions.target
        ) as file,
        max(articles.position_in_file) as position_in_file,
        'set_aside' as rule,
        cast(null as varchar) as value,
        'set_aside' as action,
        decisions.reason,
        decisions.decision_id as run_id
    from decisions
    left join {{ ref('stg_raw__articles') }} as articles on decisions.target = articles.article_id
    left join {{ ref('stg_raw__documents') }} as docs on articles.doc_id = docs.doc_id
    group by decisions.kind, decisions.target, decisions.reason, decisions.decision_id
)

select * from articles
union all
select * from files
union all
select * from set_aside
