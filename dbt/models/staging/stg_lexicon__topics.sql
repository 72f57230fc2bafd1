select
    topic_code,
    name_zh,
    name_en,
    scope
from {{ ref('topics') }}
