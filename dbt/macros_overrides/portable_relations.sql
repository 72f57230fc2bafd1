{#- ref() and source() without the catalog name.

    dbt-duckdb renders a relation as "newsetl"."schema"."name", and a view stores that text:
    a renamed copy of the published file (catalog "copy") or `ATTACH ... AS wh` then fails with
    `Catalog "newsetl" does not exist`. DuckDB binds the schema-qualified names of a view in the
    view's own catalog, so leaving the catalog out makes every view work wherever the file is
    opened. The build always runs with the warehouse file as the default catalog, so the
    shorter names resolve to the same tables there. -#}
{% macro ref() -%}
    {%- set version = kwargs.get('version') or kwargs.get('v') -%}
    {%- if (varargs | length) == 1 -%}
        {%- set rel = builtins.ref(varargs[0], version=version) -%}
    {%- else -%}
        {%- set rel = builtins.ref(varargs[0], varargs[1], version=version) -%}
    {%- endif -%}
    {%- if rel.include is defined -%}
        {%- do return(rel.include(database=False)) -%}
    {%- endif -%}
    {%- do return(rel) -%}
{%- endmacro %}

{% macro source(source_name, table_name) -%}
    {%- set rel = builtins.source(source_name, table_name) -%}
    {%- if rel.include is defined -%}
        {%- do return(rel.include(database=False)) -%}
    {%- endif -%}
    {%- do return(rel) -%}
{%- endmacro %}
