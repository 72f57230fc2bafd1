select
    cast(adcode as varchar) as adcode,
    name_zh,
    name_en
from {{ ref('place_names_en') }}
