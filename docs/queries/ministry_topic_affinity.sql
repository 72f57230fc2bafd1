-- Which topics go with which ministry more often than chance (lift > 1), with at least two articles?
-- 部委与主题的关联度（共现文章数与提升度）。
select
    ministry_name_zh,
    ministry_name_en,
    topic_name_zh,
    topic_name_en,
    co_articles,
    share_of_ministry_articles,
    lift
from marts.mart_topic_ministry
where co_articles >= 2 and lift > 1
order by ministry_name_en, lift desc, co_articles desc, topic_name_en;
