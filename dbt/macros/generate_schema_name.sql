{#- Exact schema names (raw, staging, intermediate, marts, ops) instead of dbt's
    default "<target schema>_<custom schema>" concatenation. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
