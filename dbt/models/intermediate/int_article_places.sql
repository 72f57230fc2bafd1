{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Place mentions of current articles with a place key: the administrative code,
-- or 'name:<full name>' for the rare place without one. The gazetteer gives every
-- Hong Kong and Macao district its region's code (810000, 820000): a district's key
-- is that code and its name, so districts and their region stay apart.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
select
    places.article_id,
    case
        when places.adcode in ('810000', '820000') and places.place_level != 'province'
            then places.adcode || ':' || places.place_name
        else coalesce(places.adcode, 'name:' || places.place_name)
    end as place_id,
    places.adcode,
    places.place_name,
    places.matched_name,
    places.place_level,
    places.province,
    places.mentions
from {{ ref('stg_raw__article_places') }} as places
inner join {{ ref('int_articles_enriched') }} as articles on places.article_id = articles.article_id
{% if is_incremental() %}
    where {{ in_latest_article_build('articles.article_id') }}
{% endif %}
