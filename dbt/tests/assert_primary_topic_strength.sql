{{ config(tags=['data_checks']) }}
-- fct_articles: a primary topic has its score and its weak flag, an article without one has
-- neither, and the flag is the score against the weak_primary_topic_score variable.
select article_id
from {{ ref('fct_articles') }}
where
    (primary_topic is null and (primary_topic_score is not null or primary_topic_is_weak is not null))
    or (primary_topic is not null and (primary_topic_score is null or primary_topic_is_weak is null))
    or (primary_topic_is_weak and primary_topic_score >= {{ var('weak_primary_topic_score') }})
    or (not primary_topic_is_weak and primary_topic_score < {{ var('weak_primary_topic_score') }})
