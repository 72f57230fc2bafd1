{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x place: places mentioned in a current article (see dim_places).
-- depends_on: {{ ref('int_articles_enriched') }}
{{ article_bridge(ref('int_article_places'), 'place_id') }}
