-- Places mentioned in current articles (province, city and county levels),
-- keyed by administrative code, with Chinese and English labels.
with places as (
    select
        place_id,
        any_value(adcode) as adcode,
        any_value(place_name) as name_zh,
        any_value(place_level) as place_level,
        any_value(province) as province_zh,
        list(distinct matched_name order by matched_name) as aliases,
        count(distinct article_id) as article_count,
        cast(sum(mentions) as bigint) as mention_count
    from {{ ref('int_article_places') }}
    group by place_id
)

select
    places.place_id,
    places.adcode,
    places.name_zh,
    case when places.place_level = 'province' then provinces.name_en else names_en.name_en end as name_en,
    case
        when places.place_level = 'province' then provinces.name_en
        when names_en.name_en is not null then names_en.name_en || coalesce(' (' || provinces.name_en || ')', '')
        else places.name_zh || ' (' || coalesce(levels.label_en, places.place_level)
            || coalesce(', ' || provinces.name_en, '') || ')'
    end as label_en,
    places.place_level,
    levels.label_zh as level_zh,
    levels.label_en as level_en,
    places.province_zh,
    provinces.name_en as province_en,
    places.aliases,
    places.article_count,
    places.mention_count
from places
left join {{ ref('stg_lexicon__place_names_en') }} as names_en
    on places.adcode = names_en.adcode and places.name_zh = names_en.name_zh
left join {{ ref('int_code_labels') }} as levels
    on levels.code_list = 'place_level' and places.place_level = levels.code
left join {{ ref('int_provinces') }} as provinces
    on
        coalesce(left(places.adcode, 2), '') = provinces.province_prefix
        or (places.adcode is null and places.province_zh = provinces.name_zh)
