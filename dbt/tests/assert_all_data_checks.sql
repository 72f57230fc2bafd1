-- All generic data tests of the project in one query (macros/all_data_checks.sql): one row per
-- failing test. Builds triggered by new raw data run this instead of ~150 test nodes; full
-- builds run it too, next to the individual tests.
-- The lines below put every tested model upstream of this test, so it runs last
-- (the macro refuses to compile if a tested model is not upstream).
-- depends_on: {{ ref('fct_articles') }}
-- depends_on: {{ ref('dim_topics') }}
-- depends_on: {{ ref('dim_ministries') }}
-- depends_on: {{ ref('dim_organisations') }}
-- depends_on: {{ ref('dim_places') }}
-- depends_on: {{ ref('dim_dates') }}
-- depends_on: {{ ref('bridge_article_topics') }}
-- depends_on: {{ ref('bridge_article_ministries') }}
-- depends_on: {{ ref('bridge_article_organisations') }}
-- depends_on: {{ ref('bridge_article_people') }}
-- depends_on: {{ ref('bridge_article_places') }}
-- depends_on: {{ ref('bridge_article_policy_documents') }}
-- depends_on: {{ ref('mart_articles_by_topic') }}
-- depends_on: {{ ref('mart_articles_by_ministry') }}
-- depends_on: {{ ref('mart_articles_by_date') }}
-- depends_on: {{ ref('mart_topic_ministry') }}
-- depends_on: {{ ref('mart_policy_documents') }}
-- depends_on: {{ ref('stg_ops__runs') }}
-- depends_on: {{ ref('stg_raw__quarantine') }}
-- depends_on: {{ ref('fct_quarantine') }}
-- depends_on: {{ ref('stg_raw__article_quarantine') }}
-- depends_on: {{ ref('stg_ops__decisions') }}
{{ config(tags=['data_checks']) }}

{{ all_data_checks(model) }}
