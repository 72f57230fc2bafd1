{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x ministry: central bodies mentioned in a current article, after alias normalisation.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
select
    ministries.article_id,
    ministries.ministry_code,
    ministries.matched_alias,
    ministries.mentions
from {{ ref('stg_raw__article_ministries') }} as ministries
inner join {{ ref('int_articles_enriched') }} as articles on ministries.article_id = articles.article_id
{% if is_incremental() %}
    where {{ in_latest_article_build('articles.article_id') }}
{% endif %}
