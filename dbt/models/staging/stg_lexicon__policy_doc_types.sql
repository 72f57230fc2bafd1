select
    suffix as title_suffix,
    doc_type
from {{ ref('policy_doc_types') }}
