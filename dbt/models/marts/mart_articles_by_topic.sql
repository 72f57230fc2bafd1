-- Topic x month: articles, share of the month's dated articles, change vs the previous month.
with article_topics as (
    select
        articles.article_id,
        unnest(articles.topic_codes) as topic_code,
        cast(date_trunc('month', articles.event_date) as date) as month_start
    from {{ ref('int_articles_enriched') }} as articles
    where articles.event_date is not null
),

monthly as (
    select
        topic_code,
        month_start,
        count(distinct article_id) as articles
    from article_topics
    group by all
),

month_totals as (
    select
        cast(date_trunc('month', event_date) as date) as month_start,
        count(*) as month_articles
    from {{ ref('int_articles_enriched') }}
    where event_date is not null
    group by all
)

select
    monthly.topic_code,
    topics.name_zh as topic_name_zh,
    topics.name_en as topic_name_en,
    monthly.month_start,
    monthly.articles,
    round(monthly.articles / month_totals.month_articles, 4) as share_of_month,
    lag(monthly.articles) over (partition by monthly.topic_code order by monthly.month_start) as previous_articles,
    monthly.articles
    - lag(monthly.articles) over (partition by monthly.topic_code order by monthly.month_start) as change_vs_previous
from monthly
inner join month_totals on monthly.month_start = month_totals.month_start
left join {{ ref('stg_lexicon__topics') }} as topics on monthly.topic_code = topics.topic_code
