{#- An article x entity bridge over an int_article_* model of mentions (one row per mention
    spelling): one row per article and entity, its mentions summed and, with matched_names,
    the spellings found. Incremental by article (macros/article_incremental.sql): on an
    incremental build only the articles of int_articles_enriched's latest build are read.
    The bridge model keeps its config and a `-- depends_on: {{ ref('int_articles_enriched') }}`
    line: that ref sits in an is_incremental() branch, which dbt does not see when parsing. -#}
{% macro article_bridge(mentions, entity_key, matched_names=true) -%}
select
    article_id,
    {{ entity_key }},
    {%- if matched_names %}
    list(distinct matched_name order by matched_name) as matched_names,
    {%- endif %}
    cast(sum(mentions) as bigint) as mentions
from {{ mentions }}
{%- if is_incremental() %}
where {{ in_latest_article_build('article_id') }}
{%- endif %}
group by article_id, {{ entity_key }}
{%- endmacro %}
