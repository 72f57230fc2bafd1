{#- The periods an article can honestly be placed in, one row per article and grain:
    grain, period_start, period_end, then `columns` of `relation` (int_articles_enriched or a
    CTE over it). An article counts at a grain only if its date is at least that precise: a
    year-only article has a year row but no month or quarter (event_month and event_quarter
    are null), so monthly marts never pile year-only articles into January; only day-precise
    articles have a day or a week. Every mart by period unpivots through here. -#}
{% macro article_periods(relation, columns, grains=['month', 'quarter', 'year']) -%}
    {%- set periods = {
        'day': ("event_date", "event_date", "date_precision = 'day'"),
        'week': (
            "cast(date_trunc('week', event_date) as date)",
            "cast(date_trunc('week', event_date) + interval 6 day as date)",
            "date_precision = 'day'"),
        'month': ("event_month", "cast(last_day(event_month) as date)", "event_month is not null"),
        'quarter': (
            "event_quarter",
            "cast(event_quarter + interval 3 month - interval 1 day as date)",
            "event_quarter is not null"),
        'year': (
            "event_year_start",
            "cast(event_year_start + interval 1 year - interval 1 day as date)",
            "event_year_start is not null"),
    } -%}
    {%- for grain in grains -%}
        {%- set first_day, last_day_of_period, precise_enough = periods[grain] %}
    {% if not loop.first %}union all{% endif %}
    select
        '{{ grain }}' as grain,
        {{ first_day }} as period_start,
        {{ last_day_of_period }} as period_end,
        {{ columns | join(',\n        ') }}
    from {{ relation }}
    where {{ precise_enough }}
    {%- endfor %}
{%- endmacro %}
