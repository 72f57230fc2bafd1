-- Article x organisation: one row per organisation (canonical) named in a current article.
select
    article_id,
    organisation_id,
    list(distinct matched_name order by matched_name) as matched_names,
    sum(mentions) as mentions
from {{ ref('int_article_organisations') }}
group by article_id, organisation_id
