{#- on-run-end: the descriptions of the sources (raw and ops tables, written by Python, not by
    dbt) as DuckDB table and column comments, so they are documented in the warehouse like the
    models are by persist_docs. Only tables and columns that exist are commented (ops.dbt_state
    appears after the first build). -#}
{% macro comment_sources() %}
    {%- if execute -%}
        {%- set existing = run_query(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
             where schema_name in ('raw', 'ops')").columns[0].values() -%}
        {%- set statements = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- set table = source.schema ~ '.' ~ source.name -%}
            {%- set columns = source.columns.values() | selectattr('description') | list -%}
            {%- if columns and (table ~ '.' ~ columns[0].name) in existing -%}
                {%- if source.description -%}
                    {%- do statements.append("comment on table " ~ table ~ " is '"
                        ~ source.description | replace("'", "''") ~ "'") -%}
                {%- endif -%}
                {%- for column in columns if (table ~ '.' ~ column.name) in existing -%}
                    {%- do statements.append("comment on column " ~ table ~ "." ~ column.name ~ " is '"
                        ~ column.description | trim | replace("'", "''") ~ "'") -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if statements -%}
            {%- do run_query(statements | join(';\n')) -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
