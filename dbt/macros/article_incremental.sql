{#- Incremental models keyed by article: rows are a pure function of one article's
    raw rows, and an article's raw rows only change with a new processed_run, which makes
    int_articles_enriched rebuild it (new built_at). So on an incremental build a model
      1. deletes (pre-hook) the rows of every article that is gone from int_articles_enriched
         or was (re)built by its latest build - this also drops rows of a reprocessed article
         that no longer has any (e.g. it lost its last place mention);
      2. inserts (append) the rows of the articles of that latest build.
    The result equals a full rebuild (checked in tests/marts/test_incremental_equals_full.py).
    A full refresh (dbt code or lexicon change, --full-refresh) rebuilds everything. -#}

{% macro latest_article_build() -%}
    (select max(latest.built_at) from {{ ref('int_articles_enriched') }} as latest)
{%- endmacro %}


{#- Pre-hook: keep only the rows of articles that are current and untouched by the latest build. -#}
{% macro delete_rebuilt_articles() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where article_id not in (
            select kept.article_id from {{ ref('int_articles_enriched') }} as kept
            where kept.built_at < {{ latest_article_build() }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- Filter (after a where/and) on an article_id column: only articles of the latest build. -#}
{% macro in_latest_article_build(column) -%}
    {{ column }} in (
        select rebuilt.article_id from {{ ref('int_articles_enriched') }} as rebuilt
        where rebuilt.built_at = {{ latest_article_build() }}
    )
{%- endmacro %}
