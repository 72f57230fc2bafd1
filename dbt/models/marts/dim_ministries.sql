-- Central government bodies (ministries lexicon) with Chinese and English names, abbreviation and mention counts.
with counts as (
    select
        bridge.ministry_code,
        count(*) as article_count,
        cast(sum(bridge.mentions) as bigint) as mention_count,
        min(articles.event_date) as first_event_date,
        max(articles.event_date) as last_event_date
    from {{ ref('bridge_article_ministries') }} as bridge
    inner join {{ ref('int_articles_enriched') }} as articles on bridge.article_id = articles.article_id
    group by bridge.ministry_code
)

select
    ministries.ministry_code,
    ministries.name_zh,
    ministries.name_en,
    ministries.abbreviation,
    coalesce(counts.article_count, 0) as article_count,
    coalesce(counts.mention_count, 0) as mention_count,
    counts.first_event_date,
    counts.last_event_date
from {{ ref('stg_lexicon__ministries') }} as ministries
left join counts on ministries.ministry_code = counts.ministry_code
