-- All articles about SMEs in February 2020 mentioning 复工 (work resumption), best match first.
-- 2020年2月关于中小企业、提到"复工"的所有文章。
-- "About SMEs" = labelled sme_support (中小企业发展); "mentioning 复工" = the full-text index
-- (search.articles segments the query and ranks by BM25; 复工复产, 复工率 ... match too).
select
    articles.article_id,
    articles.title,
    articles.event_date,
    hits.score,
    hits.snippet
from search.articles('复工') as hits
inner join marts.fct_articles as articles on hits.article_id = articles.article_id
where
    list_contains(articles.topic_codes, 'sme_support')
    and articles.event_month = date '2020-02-01'
order by hits.score desc, articles.article_id;
