select
    run_id,
    suite,
    expectation,
    column_name,
    severity,
    success,
    observed,
    explanation,
    checked_at
from {{ source('ops', 'gate_results') }}
