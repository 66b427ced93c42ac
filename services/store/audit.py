"""The audit log: entries written in the same TransactWriteItems as the change they record,
and reading them back by entity, by actor, or all of them (admins)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from services.auth.access import Viewer
from services.auth.identity import Identity
from services.platform import clock, validation
from services.store.dynamo import put
from services.store.list_request import ListRequest
from services.store.pagination import Slice, check_first, read_slice
from services.store.ports import StoreRuntime
from services.store.records import Record
from services.store.tables import AUDIT_LOG


@dataclass(frozen=True, kw_only=True)
class AuditEntry(Record):
    log_id: str
    user_id: str
    entity_id: str
    entity_type: str
    action: str
    owner_id: str | None = None
    changes: str | None = None  # JSON object: field -> {"from": old, "to": new}
    # The manager whose team the change took `owner_id` off (a profile's managerId moved
    # away from them): LeftManagerIdFeedIndex, read by the change feed (feed.py).
    left_manager_id: str | None = None

    @property
    def feed_order(self) -> str:
        """The entry's place in the change feed: time, then id (unique, fixed width time)."""
        return f"{self.created_at}#{self.log_id}"

    def order_attributes(self) -> dict[str, str]:
        # FeedIndex: one partition per UTC day of `createdAt`, in feed order.
        return {"feedDay": self.created_at[:10], "feedOrder": self.feed_order}


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
    moved = (changes or {}).get("managerId")
    return AuditEntry(
        left_manager_id=moved[0] if moved and moved[0] and moved[0] != moved[1] else None,
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


async def list_entries(
    *,
    runtime: StoreRuntime,
    viewer: Viewer,
    entity_id: str | None,
    user_id: str | None,
    first: int,
    after: str | None,
) -> Slice[AuditEntry]:
    """Audit entries the caller may see.

    By entity: an admin sees all; others only entries about things they (or their team) own.
    By actor (`user_id`): that person, their manager, or an admin. Neither: an admin sees
    everything, anyone else their own actions.
    """
    identity = viewer.require()
    check_first(first, maximum=runtime.settings.page_size_max)
    query = ListRequest(AUDIT_LOG, runtime.tables)
    if entity_id is None and user_id is None and not identity.is_admin:
        user_id = identity.user_id
    if entity_id is not None:
        query.on("entityId", validation.identifier(entity_id, field="entityId"))
        scope = f"audit:entity:{entity_id}"
        if not identity.is_admin:
            owners = [identity.user_id]
            if identity.is_manager:
                owners += await viewer.team_ids()
            query.where_in("ownerId", owners)
            scope += f":viewer:{identity.user_id}"
        if user_id is not None:
            query.where("userId", validation.identifier(user_id, field="userId"))
            scope += f":actor:{user_id}"
    elif user_id is not None:
        await viewer.check_owned(
            validation.identifier(user_id, field="userId"), what="this audit log"
        )
        query.on("userId", user_id)
        scope = f"audit:actor:{user_id}"
    else:
        scope = "audit:all"
    return await read_slice(
        runtime=runtime,
        query=query,
        scope=scope,
        first=first,
        after=after,
        build=AuditEntry.from_item,
    )
