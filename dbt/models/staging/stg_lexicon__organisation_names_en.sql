select
    canonical_name,
    name_en
from {{ ref('organisation_names_en') }}
