-- Calendar: one row per day over the whole years the articles cover
-- (2020 when nothing is dated yet), with ISO week, month, quarter and bilingual labels.
with bounds as (
    select
        make_date(coalesce(min(event_year), 2020), 1, 1) as first_day,
        make_date(coalesce(max(event_year), 2020), 12, 31) as last_day
    from {{ ref('int_articles_enriched') }}
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
    from bounds
)

select
    date_day,
    cast(strftime(date_day, '%Y%m%d') as integer) as date_key,
    year(date_day) as year,
    quarter(date_day) as quarter,
    month(date_day) as month,
    day(date_day) as day_of_month,
    isodow(date_day) as day_of_week,
    ['星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'][isodow(date_day)] as day_name_zh,
    dayname(date_day) as day_name_en,
    isodow(date_day) >= 6 as is_weekend,
    isoyear(date_day) as iso_year,
    week(date_day) as iso_week,
    cast(date_trunc('week', date_day) as date) as week_start,
    cast(date_trunc('month', date_day) as date) as month_start,
    cast(last_day(date_day) as date) as month_end,
    cast(date_trunc('quarter', date_day) as date) as quarter_start,
    cast(date_trunc('year', date_day) as date) as year_start,
    isoyear(date_day) || '年第' || week(date_day) || '周' as week_label_zh,
    isoyear(date_day) || '-W' || lpad(cast(week(date_day) as varchar), 2, '0') as week_label_en,
    year(date_day) || '年' || month(date_day) || '月' as month_label_zh,
    strftime(date_day, '%b %Y') as month_label_en,
    year(date_day) || '年第' || ['一', '二', '三', '四'][quarter(date_day)] || '季度' as quarter_label_zh,
    year(date_day) || ' Q' || quarter(date_day) as quarter_label_en
from days
