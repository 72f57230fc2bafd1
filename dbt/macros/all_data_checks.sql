{#- Every generic data test of the project (unique, not_null, accepted_values, relationships,
    unique_combination), compiled into ONE query: one row per failing test, with the test's
    name and its number of failing rows. Each check is the SQL of the test macro itself, so
    the semantics are those of the generic test.

    Why: on a build triggered by new raw data, dbt's cost is per node (~0.05-0.1 s each), not
    per row. Running ~150 test nodes cost more than all the models together; this runs the
    same checks in one node (tests/assert_all_data_checks.sql). Full builds run both: every
    generic test as its own node (precise failure reports) and this query.

    A generic test of a kind this macro does not know fails compilation, so no check can be
    silently dropped from the incremental path. -#}
{% macro all_data_checks(checker) %}
    {%- if not execute -%}
        select null as test_name, 0 as failures where false
    {%- else -%}
        {%- set tests = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'test' and node.test_metadata and node.config.enabled -%}
            {%- do tests.append(node) -%}
        {%- endfor -%}
        {%- set ancestors = newsetl_ancestors(checker) -%}
        select test_name, failures from (
        {%- for node in tests | sort(attribute='unique_id') %}
            {%- set kwargs = node.test_metadata.kwargs -%}
            {%- set target_id = node.attached_node or node.depends_on.nodes[0] -%}
            {%- if target_id not in ancestors -%}
                {{ exceptions.raise_compiler_error(
                    "assert_all_data_checks: " ~ target_id ~ " (tested by " ~ node.name ~ ") is not upstream of "
                    ~ checker.unique_id ~ "; add a `-- depends_on: {{ ref(...) }}` line to that test") }}
            {%- endif -%}
            {%- set model = newsetl_relation_of(target_id) -%}
            {%- set name = node.test_metadata.name -%}
            {%- if name == 'not_null' -%}
                {%- set sql = test_not_null(model=model, column_name=kwargs.column_name) -%}
            {%- elif name == 'unique' -%}
                {%- set sql = test_unique(model=model, column_name=kwargs.column_name) -%}
            {%- elif name == 'accepted_values' -%}
                {%- set sql = test_accepted_values(
                    model=model, column_name=kwargs.column_name, values=kwargs['values'],
                    quote=kwargs.get('quote', true)) -%}
            {%- elif name == 'relationships' -%}
                {%- set parents = node.depends_on.nodes | reject('equalto', target_id) | list -%}
                {%- set sql = test_relationships(
                    model=model, column_name=kwargs.column_name,
                    to=newsetl_relation_of(parents[0] if parents else target_id), field=kwargs.field) -%}
            {%- elif name == 'unique_combination' -%}
                {%- set sql = test_unique_combination(model=model, columns=kwargs.columns) -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(
                    "assert_all_data_checks: no rule for generic test '" ~ name ~ "' (" ~ node.name ~ ")") }}
            {%- endif %}
            {% if not loop.first %}union all{% endif %}
            select '{{ node.name }}' as test_name, count(*) as failures from ({{ sql }}) as failing
        {%- endfor %}
        ) as checks
        where failures > 0
    {%- endif -%}
{% endmacro %}


{#- The relation (database.schema.alias) of a model, seed or source by unique_id. -#}
{% macro newsetl_relation_of(unique_id) %}
    {%- set node = graph.nodes.get(unique_id) or graph.sources.get(unique_id) -%}
    {%- do return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias or node.identifier or node.name)) -%}
{% endmacro %}


{#- unique_ids of everything upstream of a node (models, seeds, sources): the DAG is shallow,
    a fixed number of passes reaches its roots. -#}
{% macro newsetl_ancestors(node) %}
    {%- set ns = namespace(found=node.depends_on.nodes | list) -%}
    {%- for _ in range(20) -%}
        {%- set more = [] -%}
        {%- for uid in ns.found -%}
            {%- set parent = graph.nodes.get(uid) -%}
            {%- if parent -%}
                {%- for grand in parent.depends_on.nodes
                    if grand not in ns.found and grand not in more -%}
                    {%- do more.append(grand) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set ns.found = ns.found + more -%}
    {%- endfor -%}
    {%- do return(ns.found) -%}
{% endmacro %}
