"""Reading the audit log: by entity, by actor, or all of it (admins)."""

from __future__ import annotations

from typing import Any

from services.auth.access import Viewer
from services.platform import validation
from services.runtime.wiring import Runtime
from services.store.pagination import Slice, check_first, read_slice
from services.store.records import AuditEntry


async def list_entries(
    *,
    runtime: Runtime,
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
    request: dict[str, Any] = {"TableName": runtime.tables.audit_log}
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    key_names = ["logId"]
    if entity_id is None and user_id is None and not identity.is_admin:
        user_id = identity.user_id
    if entity_id is not None:
        validation.identifier(entity_id, field="entityId")
        request |= {"IndexName": "EntityIdIndex", "KeyConditionExpression": "#e = :e"}
        names["#e"], values[":e"] = "entityId", {"S": entity_id}
        key_names.append("entityId")
        scope = f"audit:entity:{entity_id}"
        if not identity.is_admin:
            owners = [identity.user_id]
            if identity.is_manager:
                owners += await viewer.team_ids()
            names["#o"] = "ownerId"
            for i, owner in enumerate(owners):
                values[f":o{i}"] = {"S": owner}
            request["FilterExpression"] = (
                f"#o IN ({', '.join(f':o{i}' for i in range(len(owners)))})"
            )
            scope += f":viewer:{identity.user_id}"
        if user_id is not None:
            names["#u"], values[":u"] = (
                "userId",
                {"S": validation.identifier(user_id, field="userId")},
            )
            extra = "#u = :u"
            request["FilterExpression"] = (
                f"({request['FilterExpression']}) AND {extra}"
                if "FilterExpression" in request
                else extra
            )
            scope += f":actor:{user_id}"
    elif user_id is not None:
        await viewer.check_owned(
            validation.identifier(user_id, field="userId"), what="this audit log"
        )
        request |= {"IndexName": "UserIdIndex", "KeyConditionExpression": "#u = :u"}
        names["#u"], values[":u"] = "userId", {"S": user_id}
        key_names.append("userId")
        scope = f"audit:actor:{user_id}"
    else:
        scope = "audit:all"
    if names:
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
    return await read_slice(
        aws=runtime.aws,
        cursors=runtime.cursors,
        scope=scope,
        request=request,
        key_names=key_names,
        first=first,
        after=after,
        build=AuditEntry.from_item,
    )
