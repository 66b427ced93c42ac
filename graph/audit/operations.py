"""The audit-log query: entries by entity, by actor, or all (admins)."""

from __future__ import annotations

import strawberry

from graph.audit.types import AuditEntry
from graph.connections import Connection
from graph.context import Info
from services.store import audit


@strawberry.type
class AuditQuery:
    @strawberry.field
    async def audit_log(
        self,
        info: Info,
        entity_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        page = await audit.list_entries(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            entity_id=entity_id,
            user_id=user_id,
            first=first,
            after=after,
        )
        return Connection.of(page, AuditEntry.of)
