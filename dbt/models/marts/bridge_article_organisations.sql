{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x organisation: one row per organisation (canonical) named in a current article.
-- depends_on: {{ ref('int_articles_enriched') }}
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
select
    article_id,
    organisation_id,
    list(distinct matched_name order by matched_name) as matched_names,
    cast(sum(mentions) as bigint) as mentions
from {{ ref('int_article_organisations') }}
{% if is_incremental() %}
    where {{ in_latest_article_build('article_id') }}
{% endif %}
group by article_id, organisation_id
