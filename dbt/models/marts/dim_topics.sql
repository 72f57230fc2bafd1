-- The topic taxonomy (topics lexicon) with Chinese and English names and article counts.
with counts as (
    select
        bridge.topic_code,
        count(*) as article_count,
        count(*) filter (where bridge.is_primary) as primary_article_count,
        min(articles.event_date) as first_event_date,
        max(articles.event_date) as last_event_date
    from {{ ref('bridge_article_topics') }} as bridge
    inner join {{ ref('int_articles_enriched') }} as articles on bridge.article_id = articles.article_id
    group by bridge.topic_code
)

select
    topics.topic_code,
    topics.name_zh,
    topics.name_en,
    topics.scope,
    coalesce(counts.article_count, 0) as article_count,
    coalesce(counts.primary_article_count, 0) as primary_article_count,
    counts.first_event_date,
    counts.last_event_date
from {{ ref('stg_lexicon__topics') }} as topics
left join counts on topics.topic_code = counts.topic_code
