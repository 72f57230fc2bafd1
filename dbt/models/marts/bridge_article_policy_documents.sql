{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Article x policy document: documents cited in 《…》 by a current article (see mart_policy_documents).
-- depends_on: {{ ref('int_articles_enriched') }}
{{ article_bridge(ref('int_article_policy_documents'), 'policy_document_id', matched_names=false) }}
