{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x topic: every topic label of a current article, with its score and rank.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
select
    topics.article_id,
    topics.topic_code,
    topics.topic_score,
    topics.is_primary,
    row_number() over (
        partition by topics.article_id order by topics.topic_score desc, topics.topic_code
    ) as topic_rank,
    topics.evidence_terms
from {{ ref('stg_raw__article_topics') }} as topics
inner join {{ ref('int_articles_enriched') }} as articles on topics.article_id = articles.article_id
{% if is_incremental() %}
    where {{ in_latest_article_build('articles.article_id') }}
{% endif %}
