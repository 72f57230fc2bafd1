{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Organisation mentions of current articles with a stable organisation key:
-- known aliases are folded to their canonical name (organisations lexicon),
-- the key is a short hash of that canonical name.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
with mentions as (
    select
        orgs.article_id,
        orgs.organisation_name as matched_name,
        coalesce(lexicon.canonical_name, orgs.organisation_name) as canonical_name,
        orgs.organisation_kind,
        orgs.organisation_level,
        orgs.region,
        orgs.ministry_code,
        orgs.mentions
    from {{ ref('stg_raw__article_organisations') }} as orgs
    inner join {{ ref('int_articles_enriched') }} as articles on orgs.article_id = articles.article_id
    left join {{ ref('stg_lexicon__organisations') }} as lexicon on orgs.organisation_name = lexicon.alias_name
    {% if is_incremental() %}
        where {{ in_latest_article_build('articles.article_id') }}
    {% endif %}
)

select
    article_id,
    left(md5(canonical_name), 16) as organisation_id,
    canonical_name,
    matched_name,
    organisation_kind,
    organisation_level,
    region,
    ministry_code,
    mentions
from mentions
