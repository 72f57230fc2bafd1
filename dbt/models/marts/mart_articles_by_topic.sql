-- Topic x period (month, quarter, year): articles, share of the period's dated articles,
-- change against the previous calendar period. Dense: every taxonomy topic has a row for
-- every period between the first and last dated period, zero when nothing was published,
-- so "previous period" is always the previous calendar month/quarter/year.
-- An article counts at a grain only if its date is at least that precise (macros/article_periods.sql).
with article_periods as (
    {{ article_periods(ref('int_articles_enriched'), ['article_id', 'topic_codes']) }}
),

period_totals as (
    select
        grain,
        period_start,
        count(*) as period_articles
    from article_periods
    group by grain, period_start
),

bounds as (
    select
        grain,
        min(period_start) as first_period,
        max(period_start) as last_period
    from article_periods
    group by grain
),

periods as (
    select
        grain,
        cast(unnest(generate_series(
            first_period,
            last_period,
            case grain when 'month' then interval 1 month when 'quarter' then interval 3 month else interval 1 year end
        )) as date) as period_start
    from bounds
),

topic_counts as (
    select
        grain,
        period_start,
        topic_code,
        count(distinct article_id) as articles
    from (
        select
            grain,
            period_start,
            article_id,
            unnest(topic_codes) as topic_code
        from article_periods
    ) as exploded
    group by grain, period_start, topic_code
),

grid as (
    select
        periods.grain,
        periods.period_start,
        topics.topic_code,
        topics.name_zh,
        topics.name_en,
        coalesce(topic_counts.articles, 0) as articles,
        coalesce(period_totals.period_articles, 0) as period_articles
    from periods
    cross join {{ ref('stg_lexicon__topics') }} as topics
    left join topic_counts
        on
            periods.grain = topic_counts.grain
            and periods.period_start = topic_counts.period_start
            and topics.topic_code = topic_counts.topic_code
    left join period_totals
        on
            periods.grain = period_totals.grain
            and periods.period_start = period_totals.period_start
),

with_previous as (
    select
        *,
        lag(articles) over (partition by grain, topic_code order by period_start) as previous_articles
    from grid
)

select
    grain,
    period_start,
    topic_code,
    name_zh as topic_name_zh,
    name_en as topic_name_en,
    articles,
    period_articles,
    round(articles / nullif(period_articles, 0), 4) as share_of_period,
    previous_articles,
    articles - previous_articles as change_vs_previous,
    round((articles - previous_articles) / nullif(previous_articles, 0), 4) as pct_change_vs_previous
from with_previous
