-- Organisations named in current articles (ministries, local government bodies, companies,
-- associations, think tanks, universities, media), one row per canonical name.
with mentions as (
    select * from {{ ref('int_article_organisations') }}
),

organisations as (
    select
        organisation_id,
        any_value(canonical_name) as name_zh,
        -- most-mentioned reading wins where mentions disagree
        arg_max(organisation_kind, mentions) as organisation_kind,
        arg_max(organisation_level, mentions) as organisation_level,
        arg_max(region, mentions) filter (where region is not null) as region,
        arg_max(ministry_code, mentions) filter (where ministry_code is not null) as ministry_code,
        list(distinct matched_name order by matched_name) as aliases,
        count(distinct article_id) as article_count,
        cast(sum(mentions) as bigint) as mention_count
    from mentions
    group by organisation_id
)

select
    organisations.organisation_id,
    organisations.name_zh,
    coalesce(
        case when organisations.name_zh = ministries.name_zh then ministries.name_en end,
        names_en.name_en
    ) as name_en,
    coalesce(
        case when organisations.name_zh = ministries.name_zh then ministries.name_en end,
        names_en.name_en,
        organisations.name_zh || ' (' || coalesce(kinds.label_en, organisations.organisation_kind) || ')'
    ) as label_en,
    organisations.organisation_kind,
    kinds.label_zh as kind_zh,
    kinds.label_en as kind_en,
    organisations.organisation_level,
    levels.label_zh as level_zh,
    levels.label_en as level_en,
    organisations.region,
    organisations.ministry_code,
    ministries.name_zh as ministry_name_zh,
    ministries.name_en as ministry_name_en,
    organisations.aliases,
    organisations.article_count,
    organisations.mention_count
from organisations
left join {{ ref('stg_lexicon__organisation_names_en') }} as names_en
    on organisations.name_zh = names_en.canonical_name
left join {{ ref('int_code_labels') }} as kinds
    on kinds.code_list = 'organisation_kind' and organisations.organisation_kind = kinds.code
left join {{ ref('int_code_labels') }} as levels
    on levels.code_list = 'organisation_level' and organisations.organisation_level = levels.code
left join {{ ref('stg_lexicon__ministries') }} as ministries on organisations.ministry_code = ministries.ministry_code
