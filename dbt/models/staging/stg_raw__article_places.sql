select
    article_id,
    name as matched_name,
    full_name as place_name,
    adcode,
    level as place_level,
    province,
    mentions
from {{ source('raw', 'article_places') }}
