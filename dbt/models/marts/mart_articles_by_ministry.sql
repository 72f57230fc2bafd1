-- Ministry x period (month, quarter, year): articles mentioning the ministry, mentions,
-- and the three topics most often found with it. Only periods with mentions have rows.
-- An article counts at a grain only if its date is at least that precise (macros/article_periods.sql).
with article_periods as (
    {{ article_periods(ref('int_articles_enriched'), ['article_id', 'topic_codes']) }}
),

mentions as (
    select
        article_periods.grain,
        article_periods.period_start,
        article_periods.article_id,
        article_periods.topic_codes,
        bridge.ministry_code,
        bridge.mentions
    from article_periods
    inner join {{ ref('bridge_article_ministries') }} as bridge on article_periods.article_id = bridge.article_id
),

period_totals as (
    select
        grain,
        period_start,
        count(*) as period_articles
    from article_periods
    group by grain, period_start
),

topic_counts as (
    select
        grain,
        period_start,
        ministry_code,
        topic_code,
        count(*) as co_articles
    from (
        select
            grain,
            period_start,
            ministry_code,
            unnest(topic_codes) as topic_code
        from mentions
    ) as exploded
    group by grain, period_start, ministry_code, topic_code
),

top_topics as (
    select
        grain,
        period_start,
        ministry_code,
        list(topic_code order by co_articles desc, topic_code)[1:3] as leading_topics
    from topic_counts
    group by grain, period_start, ministry_code
),

topic_names as (
    select
        map(list(topic_code), list(name_zh)) as names,
        map(list(topic_code), list(name_en)) as names_en
    from {{ ref('stg_lexicon__topics') }}
),

monthly as (
    select
        grain,
        period_start,
        ministry_code,
        count(distinct article_id) as articles,
        sum(mentions)::bigint as mentions
    from mentions
    group by grain, period_start, ministry_code
)

select
    monthly.grain,
    monthly.period_start,
    monthly.ministry_code,
    ministries.name_zh as ministry_name_zh,
    ministries.name_en as ministry_name_en,
    monthly.articles,
    monthly.mentions,
    round(monthly.articles / period_totals.period_articles, 4) as share_of_period,
    coalesce(top_topics.leading_topics, []::varchar[]) as leading_topics,
    coalesce(
        list_transform(top_topics.leading_topics, lambda t: topic_names.names[t]), []::varchar[]  -- noqa: RF02
    ) as leading_topics_zh,
    coalesce(
        list_transform(top_topics.leading_topics, lambda t: topic_names.names_en[t]), []::varchar[]  -- noqa: RF02
    ) as leading_topics_en
from monthly
inner join period_totals
    on monthly.grain = period_totals.grain and monthly.period_start = period_totals.period_start
left join top_topics
    on
        monthly.grain = top_topics.grain
        and monthly.period_start = top_topics.period_start
        and monthly.ministry_code = top_topics.ministry_code
left join {{ ref('stg_lexicon__ministries') }} as ministries on monthly.ministry_code = ministries.ministry_code
cross join topic_names
