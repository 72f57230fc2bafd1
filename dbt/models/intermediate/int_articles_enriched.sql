{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        post_hook=[
            "delete from {{ this }} where article_id not in (select article_id from {{ ref('stg_raw__articles') }})
                or doc_id not in (select doc_id from {{ ref('int_current_documents') }})
                or article_id in (select target from {{ ref('stg_ops__decisions') }} where kind = 'article' and is_active)"
        ]
    )
}}
-- Incremental: a run adds or replaces only the articles processed since the
-- last build (new (article_id, processed_run) pairs, or a document now read under
-- another path); the post-hook drops articles whose document was superseded or
-- reprocessed away. The pipeline runs a full refresh whenever the dbt code changes.
-- Articles an operator set aside (newsetl set-aside) are left out; quality_flags lists the
-- article rules an article failed and was published anyway (its date nulled).
-- The body is not copied here (fct_articles reads it from staging): one copy less of the
-- largest column in the database.
-- Current articles with their topic and ministry codes gathered into lists,
-- and the periods each article can honestly be placed in: an article dated only
-- to the year has no month (event_month is null), so monthly marts never pile
-- year-only articles into January.
with
{% if is_incremental() %}
    -- the articles to (re)build: not built yet, reprocessed, or read under another path
    rebuilt as (
        select articles.article_id
        from {{ ref('stg_raw__articles') }} as articles
        inner join {{ ref('int_current_documents') }} as docs on articles.doc_id = docs.doc_id
        where not exists (
                select 1 from {{ this }} as built
                where
                    built.article_id = articles.article_id
                    and built.processed_run = articles.processed_run
                    and built.source_path is not distinct from docs.source_path
            )
    ),
{% endif %}

topics as (
    select
        article_id,
        list(topic_code order by topic_score desc, topic_code) as topic_codes,
        max(case when is_primary then topic_score end) as primary_topic_score
    from {{ ref('stg_raw__article_topics') }}
    {% if is_incremental() %}
        -- the list aggregation over every article is most of this model's cost
        where article_id in (select rebuilt.article_id from rebuilt)
    {% endif %}
    group by article_id
),

set_aside as (
    select decisions.target as article_id
    from {{ ref('stg_ops__decisions') }} as decisions
    where decisions.kind = 'article' and decisions.is_active
),

flags as (
    select
        article_id,
        list(rule order by rule) as quality_flags
    from {{ ref('stg_raw__article_quarantine') }}
    {% if is_incremental() %}
        where article_id in (select rebuilt.article_id from rebuilt)
    {% endif %}
    group by article_id
),

ministries as (
    select
        article_id,
        list(ministry_code order by mentions desc, ministry_code) as ministry_codes,
        cast(sum(mentions) as bigint) as ministry_mentions
    from {{ ref('stg_raw__article_ministries') }}
    {% if is_incremental() %}
        where article_id in (select rebuilt.article_id from rebuilt)
    {% endif %}
    group by article_id
)

select
    articles.article_id,
    articles.doc_id,
    docs.source_file,
    docs.source_path,
    articles.position_in_file,
    articles.kicker,
    articles.title,
    articles.subtitle,
    articles.bylines,
    articles.source_label,
    articles.dateline,
    articles.subheads,
    articles.paragraph_count,
    articles.is_fragment,
    articles.missing_part,
    articles.joins_repaired,
    articles.duplicates_removed,
    articles.event_date,
    articles.event_period_start,
    articles.date_precision,
    articles.event_year,
    case
        when articles.date_precision in ('day', 'month')
            then cast(date_trunc('month', articles.event_period_start) as date)
    end as event_month,
    case
        when articles.date_precision in ('day', 'month', 'quarter')
            then cast(date_trunc('quarter', articles.event_period_start) as date)
    end as event_quarter,
    case
        when articles.event_year is not null then make_date(articles.event_year, 1, 1)
    end as event_year_start,
    articles.date_evidence,
    articles.primary_topic,
    topics.primary_topic_score,
    articles.char_count,
    articles.processed_run,
    -- when this row was (re)built: lets incremental models downstream take only this build's rows
    current_timestamp as built_at,
    coalesce(topics.topic_codes, cast([] as varchar[])) as topic_codes,
    coalesce(ministries.ministry_codes, cast([] as varchar[])) as ministry_codes,
    coalesce(ministries.ministry_mentions, 0) as ministry_mentions,
    coalesce(flags.quality_flags, cast([] as varchar[])) as quality_flags
from {{ ref('stg_raw__articles') }} as articles
inner join {{ ref('int_current_documents') }} as docs on articles.doc_id = docs.doc_id
left join topics on articles.article_id = topics.article_id
left join ministries on articles.article_id = ministries.article_id
left join flags on articles.article_id = flags.article_id
where
    articles.article_id not in (select set_aside.article_id from set_aside)
    {% if is_incremental() %}
        and articles.article_id in (select rebuilt.article_id from rebuilt)
    {% endif %}
