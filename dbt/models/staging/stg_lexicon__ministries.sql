select
    ministry_code,
    name_zh,
    name_en,
    abbreviation
from {{ ref('ministries') }}
