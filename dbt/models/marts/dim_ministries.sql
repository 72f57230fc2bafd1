select
    ministries.ministry_code,
    ministries.name_zh,
    ministries.name_en,
    ministries.abbreviation,
    count(distinct bridge.article_id) as article_count,
    coalesce(sum(bridge.mentions), 0) as mention_count
from {{ ref('stg_lexicon__ministries') }} as ministries
left join {{ ref('stg_raw__article_ministries') }} as bridge
    on
        ministries.ministry_code = bridge.ministry_code
        and bridge.article_id in (select article_id from {{ ref('int_articles_enriched') }})
group by all
