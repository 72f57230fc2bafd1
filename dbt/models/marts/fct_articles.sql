{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        post_hook=[
            "delete from {{ this }} where article_id not in (select article_id from {{ ref('int_articles_enriched') }})"
        ]
    )
}}
-- One row per current article: the table analysts start from.
select
    article_id,
    doc_id,
    source_file,
    position_in_file,
    kicker,
    title,
    subtitle,
    bylines,
    source_label,
    dateline,
    body,
    subheads,
    is_fragment,
    missing_part,
    event_date,
    date_precision,
    event_year,
    event_month,
    event_quarter,
    date_evidence,
    primary_topic,
    topic_codes,
    ministry_codes,
    char_count,
    paragraph_count,
    joins_repaired,
    duplicates_removed
from {{ ref('int_articles_enriched') }}
{% if is_incremental() %}
    -- only the rows of int_articles_enriched's latest build (issue 7)
    where built_at = (select max(latest.built_at) from {{ ref('int_articles_enriched') }} as latest)
{% endif %}
