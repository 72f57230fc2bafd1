-- How did each topic develop from year to year (articles, share of the year, change)?
-- 各主题逐年文章数、占比及同比变化。
select
    year(period_start) as year,
    topic_code,
    topic_name_zh,
    topic_name_en,
    articles,
    share_of_period,
    change_vs_previous
from marts.mart_articles_by_topic
where grain = 'year' and (articles > 0 or previous_articles > 0)
order by year, articles desc, topic_code;
