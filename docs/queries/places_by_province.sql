-- Which provinces are mentioned most (the province itself or any of its cities and counties)?
-- 各省（含下辖市县）被提及的文章数。
select
    places.province_zh,
    places.province_en,
    count(distinct bridge.article_id) as articles,
    sum(bridge.mentions) as mentions,
    list(distinct places.name_zh order by places.name_zh) as places_named
from marts.bridge_article_places as bridge
inner join marts.dim_places as places on bridge.place_id = places.place_id
group by all
order by articles desc, mentions desc, places.province_zh;
