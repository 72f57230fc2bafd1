select
    article_id,
    name as person_name,
    role,
    organisation
from {{ source('raw', 'article_people') }}
