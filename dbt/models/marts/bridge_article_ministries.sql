-- Article x ministry: central bodies mentioned in a current article, after alias normalisation.
select
    ministries.article_id,
    ministries.ministry_code,
    ministries.matched_alias,
    ministries.mentions
from {{ ref('stg_raw__article_ministries') }} as ministries
inner join {{ ref('int_articles_enriched') }} as articles on ministries.article_id = articles.article_id
