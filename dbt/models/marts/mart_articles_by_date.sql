-- Timeline of dated articles at day, week, month, quarter and year grain, with the
-- primary-topic mix of each period. An article appears at a grain only if its date is
-- at least that precise (a year-only article is in the year row, not in January;
-- macros/article_periods.sql).
with dated as (
    select
        article_id,
        event_date,
        event_month,
        event_quarter,
        event_year_start,
        date_precision,
        is_fragment,
        coalesce(primary_topic, 'none') as primary_topic
    from {{ ref('int_articles_enriched') }}
    where event_year_start is not null
),

periods as (
    {{ article_periods(
        'dated', ['article_id', 'is_fragment', 'primary_topic'], grains=['day', 'week', 'month', 'quarter', 'year']
    ) }}
),

topic_counts as (
    select
        grain,
        period_start,
        primary_topic,
        count(*) as n
    from periods
    group by grain, period_start, primary_topic
),

mix as (
    select
        grain,
        period_start,
        map(list(primary_topic order by n desc, primary_topic), list(n order by n desc, primary_topic)) as topic_mix,
        list(primary_topic order by n desc, primary_topic)[1] as leading_topic
    from topic_counts
    group by grain, period_start
),

totals as (
    select
        grain,
        period_start,
        any_value(period_end) as period_end,
        count(*) as articles,
        count(*) filter (where is_fragment) as fragments
    from periods
    group by grain, period_start
)

select
    totals.grain,
    totals.period_start,
    totals.period_end,
    totals.articles,
    totals.fragments,
    cast(sum(totals.articles) over (partition by totals.grain order by totals.period_start) as bigint)
        as cumulative_articles,
    mix.topic_mix,
    mix.leading_topic,
    topics.name_zh as leading_topic_zh,
    topics.name_en as leading_topic_en
from totals
inner join mix on totals.grain = mix.grain and totals.period_start = mix.period_start
left join {{ ref('stg_lexicon__topics') }} as topics on mix.leading_topic = topics.topic_code
