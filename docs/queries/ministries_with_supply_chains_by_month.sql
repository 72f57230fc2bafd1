-- Which ministries were mentioned with supply chains, by month?
-- 哪些部委与产业链供应链话题一同被提及（按月）？
-- "With supply chains" = the article carries the supply_chain topic label (产业链供应链).
-- Articles dated only to the year are listed as '<year> (month unknown)' rather than put in January.
select
    coalesce(strftime(articles.event_month, '%Y-%m'), articles.event_year || ' (month unknown)') as month,
    ministries.ministry_code,
    ministries.name_zh,
    ministries.name_en,
    count(distinct articles.article_id) as articles,
    sum(mentioned.mentions) as mentions
from marts.fct_articles as articles
inner join marts.bridge_article_topics as topics
    on articles.article_id = topics.article_id and topics.topic_code = 'supply_chain'
inner join marts.bridge_article_ministries as mentioned on articles.article_id = mentioned.article_id
inner join marts.dim_ministries as ministries on mentioned.ministry_code = ministries.ministry_code
group by all
order by month, articles desc, mentions desc, ministries.ministry_code;
