-- Full-text search: articles about 工业互联网 (industrial internet), ranked by BM25.
-- 全文检索：工业互联网。 Works in any DuckDB client - the fts extension is not needed to query.
select
    article_id,
    score,
    matched_terms,
    title,
    primary_topic,
    snippet
from search.articles('工业互联网')
order by score desc, article_id;
