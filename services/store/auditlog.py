"""Reading the audit log: by entity, by actor, or all of it (admins)."""

from __future__ import annotations

from services.auth.access import Viewer
from services.platform import validation
from services.store.pagination import Slice, check_first, read_slice
from services.store.ports import StoreRuntime
from services.store.queries import Query
from services.store.records import AuditEntry
from services.store.tables import AUDIT_LOG


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
    query = Query(AUDIT_LOG, runtime.tables)
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
