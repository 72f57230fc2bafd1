select
    article_id,
    name as organisation_name,
    kind as organisation_kind,
    level as organisation_level,
    region,
    ministry_code,
    mentions
from {{ source('raw', 'article_organisations') }}
