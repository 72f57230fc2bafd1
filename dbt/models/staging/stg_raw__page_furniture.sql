select
    doc_id,
    line_no,
    kind as furniture_kind,
    text as furniture_text
from {{ source('raw', 'page_furniture') }}
