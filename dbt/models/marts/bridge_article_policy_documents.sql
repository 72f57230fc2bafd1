-- Article x policy document: documents cited in 《…》 by a current article (see mart_policy_documents).
select
    article_id,
    policy_document_id,
    sum(mentions) as mentions
from {{ ref('int_article_policy_documents') }}
group by article_id, policy_document_id
