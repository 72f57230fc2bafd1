-- Ministry x month: articles, mentions and the leading co-occurring topics.
with mentions as (
    select
        bridge.ministry_code,
        bridge.article_id,
        bridge.mentions,
        articles.topic_codes,
        cast(date_trunc('month', articles.event_date) as date) as month_start
    from {{ ref('stg_raw__article_ministries') }} as bridge
    inner join {{ ref('int_articles_enriched') }} as articles on bridge.article_id = articles.article_id
),

co_topics as (
    select
        ministry_code,
        month_start,
        unnest(topic_codes) as topic_code
    from mentions
),

topic_counts as (
    select
        ministry_code,
        month_start,
        topic_code,
        count(*) as n
    from co_topics
    group by ministry_code, month_start, topic_code
),

ranked_topics as (
    select
        ministry_code,
        month_start,
        topic_code,
        row_number() over (partition by ministry_code, month_start order by n desc, topic_code) as topic_rank
    from topic_counts
),

top_topics as (
    select
        ministry_code,
        month_start,
        list(topic_code order by topic_rank) as leading_topics
    from ranked_topics
    where topic_rank <= 3
    group by ministry_code, month_start
),

monthly as (
    select
        ministry_code,
        month_start,
        count(distinct article_id) as articles,
        sum(mentions) as mentions
    from mentions
    group by ministry_code, month_start
)

select
    monthly.ministry_code,
    ministries.name_zh as ministry_name_zh,
    ministries.name_en as ministry_name_en,
    monthly.month_start,
    monthly.articles,
    monthly.mentions,
    coalesce(top_topics.leading_topics, []::varchar []) as leading_topics
from monthly
left join top_topics
    on
        monthly.ministry_code = top_topics.ministry_code
        and monthly.month_start is not distinct from top_topics.month_start
left join {{ ref('stg_lexicon__ministries') }} as ministries on monthly.ministry_code = ministries.ministry_code
