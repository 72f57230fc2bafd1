-- Article x place: places mentioned in a current article (see dim_places).
select
    article_id,
    place_id,
    list(distinct matched_name order by matched_name) as matched_names,
    sum(mentions) as mentions
from {{ ref('int_article_places') }}
group by article_id, place_id
