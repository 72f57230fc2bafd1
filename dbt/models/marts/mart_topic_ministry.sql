-- Topic x ministry co-occurrence: how many current articles carry the topic label and
-- mention the ministry, with shares and lift (observed / expected if independent).
with pairs as (
    select
        topics.topic_code,
        ministries.ministry_code,
        topics.article_id,
        ministries.mentions
    from {{ ref('bridge_article_topics') }} as topics
    inner join {{ ref('bridge_article_ministries') }} as ministries on topics.article_id = ministries.article_id
),

co as (
    select
        pairs.topic_code,
        pairs.ministry_code,
        count(*) as co_articles,
        cast(sum(pairs.mentions) as bigint) as ministry_mentions,
        min(articles.event_date) as first_event_date,
        max(articles.event_date) as last_event_date
    from pairs
    inner join {{ ref('int_articles_enriched') }} as articles on pairs.article_id = articles.article_id
    group by pairs.topic_code, pairs.ministry_code
),

topic_totals as (
    select
        topic_code,
        count(*) as topic_articles
    from {{ ref('bridge_article_topics') }}
    group by topic_code
),

ministry_totals as (
    select
        ministry_code,
        count(*) as ministry_articles
    from {{ ref('bridge_article_ministries') }}
    group by ministry_code
),

all_articles as (
    select count(*) as n from {{ ref('int_articles_enriched') }}
)

select
    co.topic_code,
    topics.name_zh as topic_name_zh,
    topics.name_en as topic_name_en,
    co.ministry_code,
    ministries.name_zh as ministry_name_zh,
    ministries.name_en as ministry_name_en,
    co.co_articles,
    co.ministry_mentions,
    topic_totals.topic_articles,
    ministry_totals.ministry_articles,
    round(co.co_articles / topic_totals.topic_articles, 4) as share_of_topic_articles,
    round(co.co_articles / ministry_totals.ministry_articles, 4) as share_of_ministry_articles,
    round(
        co.co_articles * all_articles.n / (topic_totals.topic_articles * ministry_totals.ministry_articles), 4
    ) as lift,
    co.first_event_date,
    co.last_event_date
from co
inner join topic_totals on co.topic_code = topic_totals.topic_code
inner join ministry_totals on co.ministry_code = ministry_totals.ministry_code
cross join all_articles
left join {{ ref('stg_lexicon__topics') }} as topics on co.topic_code = topics.topic_code
left join {{ ref('stg_lexicon__ministries') }} as ministries on co.ministry_code = ministries.ministry_code
