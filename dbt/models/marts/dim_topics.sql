select
    topics.topic_code,
    topics.name_zh,
    topics.name_en,
    topics.scope,
    count(distinct bridge.article_id) as article_count,
    count(distinct bridge.article_id) filter (where bridge.is_primary) as primary_article_count
from {{ ref('stg_lexicon__topics') }} as topics
left join {{ ref('stg_raw__article_topics') }} as bridge
    on
        topics.topic_code = bridge.topic_code
        and bridge.article_id in (select article_id from {{ ref('int_articles_enriched') }})
group by all
