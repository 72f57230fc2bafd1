{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x organisation: one row per organisation (canonical) named in a current article.
-- depends_on: {{ ref('int_articles_enriched') }}
{{ article_bridge(ref('int_article_organisations'), 'organisation_id') }}
