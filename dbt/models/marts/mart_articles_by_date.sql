-- Timeline at day, week and month grain, with the topic mix of each period.
with dated as (
    select
        article_id,
        event_date,
        primary_topic,
        date_precision
    from {{ ref('int_articles_enriched') }}
    where event_date is not null
),

periods as (
    select
        'day' as grain,
        event_date as period_start,
        article_id,
        primary_topic
    from dated where date_precision = 'day'
    union all
    select
        'week' as grain,
        cast(date_trunc('week', event_date) as date) as period_start,
        article_id,
        primary_topic
    from dated where date_precision = 'day'
    union all
    select
        'month' as grain,
        cast(date_trunc('month', event_date) as date) as period_start,
        article_id,
        primary_topic
    from dated where date_precision in ('day', 'month')
)

select
    grain,
    period_start,
    count(*) as articles,
    histogram(coalesce(primary_topic, 'none')) as topic_mix
from periods
group by all
