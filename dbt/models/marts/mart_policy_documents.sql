-- Policy documents cited in 《…》 by current articles: type, how often and by whom they are
-- cited, first and last seen (event date of the citing articles, and pipeline run).
with citations as (
    select
        cited.policy_document_id,
        cited.document_title,
        cited.normalised_title,
        cited.doc_type,
        cited.mentions,
        articles.article_id,
        articles.event_date,
        articles.event_period_start,
        articles.date_precision,
        articles.primary_topic,
        docs.first_seen_run,
        docs.last_seen_run
    from {{ ref('int_article_policy_documents') }} as cited
    inner join {{ ref('int_articles_enriched') }} as articles on cited.article_id = articles.article_id
    inner join {{ ref('int_current_documents') }} as docs on articles.doc_id = docs.doc_id
),

documents as (
    select
        policy_document_id,
        -- the most cited spelling of the title
        arg_max(document_title, mentions) as title,
        arg_max(doc_type, mentions) as doc_type,
        count(distinct article_id) as citing_articles,
        sum(mentions)::bigint as mentions,
        -- days only where the day is known; the earliest period (start and precision) otherwise
        min(event_date) as first_seen_date,
        max(event_date) as last_seen_date,
        min(event_period_start) as first_seen_period_start,
        arg_min(date_precision, event_period_start) as first_seen_precision,
        min(first_seen_run) as first_seen_run,
        max(last_seen_run) as last_seen_run,
        list(distinct article_id order by article_id) as citing_article_ids,
        list(distinct primary_topic order by primary_topic) filter (where primary_topic is not null)
            as citing_primary_topics
    from citations
    group by policy_document_id
)

select
    documents.policy_document_id,
    documents.title,
    documents.doc_type,
    types.label_zh as doc_type_zh,
    types.label_en as doc_type_en,
    documents.citing_articles,
    documents.mentions,
    documents.first_seen_date,
    documents.first_seen_period_start,
    documents.first_seen_precision,
    documents.last_seen_date,
    documents.first_seen_run,
    documents.last_seen_run,
    documents.citing_article_ids,
    coalesce(documents.citing_primary_topics, []::varchar[]) as citing_primary_topics
from documents
left join {{ ref('int_code_labels') }} as types
    on types.code_list = 'policy_doc_type' and documents.doc_type = types.code
