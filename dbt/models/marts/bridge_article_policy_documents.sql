{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x policy document: documents cited in 《…》 by a current article (see mart_policy_documents).
-- depends_on: {{ ref('int_articles_enriched') }}
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
select
    article_id,
    policy_document_id,
    cast(sum(mentions) as bigint) as mentions
from {{ ref('int_article_policy_documents') }}
{% if is_incremental() %}
    where {{ in_latest_article_build('article_id') }}
{% endif %}
group by article_id, policy_document_id
