{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x person: people named in a current article with the role and organisation stated next to the name.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
with people as (
    select
        people.article_id,
        people.person_name,
        people.role,
        people.organisation
    from {{ ref('stg_raw__article_people') }} as people
    inner join {{ ref('int_articles_enriched') }} as articles on people.article_id = articles.article_id
    {% if is_incremental() %}
        where {{ in_latest_article_build('articles.article_id') }}
    {% endif %}
)

select
    article_id,
    left(md5(person_name), 16) as person_id,
    person_name,
    -- one row per person and article: keep the longest role/organisation seen
    arg_max(role, length(coalesce(role, ''))) as role,
    arg_max(organisation, length(coalesce(organisation, ''))) as organisation,
    count(*) as mentions
from people
group by article_id, person_name
