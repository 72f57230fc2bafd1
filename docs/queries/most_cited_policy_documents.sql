-- Which policy documents are cited most, when were they first and last seen, and by which articles?
-- 被引用最多的政策文件及首次/最近出现时间。
select
    documents.title,
    documents.doc_type_zh,
    documents.doc_type_en,
    documents.citing_articles,
    documents.mentions,
    -- first seen as a period (2020-01-01 + 'year' = some time in 2020), and as a day where one is known
    documents.first_seen_period_start,
    documents.first_seen_precision,
    documents.first_seen_date,
    documents.last_seen_date,
    list(articles.title order by articles.article_id) as citing_titles
from marts.mart_policy_documents as documents
inner join marts.bridge_article_policy_documents as bridge
    on documents.policy_document_id = bridge.policy_document_id
inner join marts.fct_articles as articles on bridge.article_id = articles.article_id
group by all
order by documents.citing_articles desc, documents.mentions desc, documents.title
limit 20;
