select
    decision_id,
    kind,
    target,
    reason,
    decided_by,
    decided_at,
    revoked,
    revoked_at,
    not revoked as is_active
from {{ source('ops', 'decisions') }}
