"""Audit-log entries, written in the same TransactWriteItems as the change they record."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from services.auth.identity import Identity
from services.platform import clock
from services.store.dynamo import put
from services.store.records import AuditEntry


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def entry(
    *,
    actor: Identity,
    entity_type: str,
    entity_id: str,
    action: str,
    owner_id: str | None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    at: str | None = None,
) -> AuditEntry:
    """A new audit entry for `action` on an entity, by `actor`."""
    moment = at or clock.now_iso()
    body = (
        orjson.dumps(
            {k: {"from": _jsonable(a), "to": _jsonable(b)} for k, (a, b) in changes.items()},
            option=orjson.OPT_SORT_KEYS,
        ).decode()
        if changes
        else None
    )
    return AuditEntry(
        log_id=str(uuid.uuid4()),
        user_id=actor.user_id,
        entity_id=entity_id,
        entity_type=entity_type,
        action=action,
        owner_id=owner_id,
        changes=body,
        created_at=moment,
        updated_at=moment,
        created_by=actor.audit_name,
        last_updated_by=actor.audit_name,
        version=1,
    )


def put_entry(table: str, record: AuditEntry) -> dict[str, Any]:
    """The TransactWriteItems entry that stores `record` (never overwrites)."""
    return put(table, record.to_item(), condition="attribute_not_exists(logId)")
