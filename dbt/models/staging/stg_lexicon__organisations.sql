select
    name as alias_name,
    kind as organisation_kind,
    canonical_name
from {{ ref('organisations') }}
