{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_articles() }}"
    )
}}
-- Policy-document citations of current articles with a document key:
-- titles are compared without whitespace, the key is a short hash of that form.
-- Incremental by article (macros/article_incremental.sql): only the articles of
-- int_articles_enriched's latest build are (re)computed.
with citations as (
    select
        docs.article_id,
        regexp_replace(docs.document_title, '\s+', '', 'g') as normalised_title,
        docs.document_title,
        docs.doc_type,
        docs.mentions
    from {{ ref('stg_raw__article_policy_documents') }} as docs
    inner join {{ ref('int_articles_enriched') }} as articles on docs.article_id = articles.article_id
    {% if is_incremental() %}
        where {{ in_latest_article_build('articles.article_id') }}
    {% endif %}
)

select
    article_id,
    left(md5(normalised_title), 16) as policy_document_id,
    normalised_title,
    document_title,
    doc_type,
    mentions
from citations
