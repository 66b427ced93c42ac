"""Audit entries: one per change, written with the change."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from graph.connections import Connection
from graph.stored import Node, timestamp
from services.store.audit import AuditEntry as AuditEntryRecord


@strawberry.type(description="One recorded change.")
class AuditEntry(Node):
    id: strawberry.ID
    user_id: strawberry.ID = strawberry.field(description="Who made the change.")
    entity_id: strawberry.ID
    entity_type: str
    action: str
    owner_id: strawberry.ID | None
    changes: str | None = strawberry.field(
        description='JSON object: field -> {"from": old, "to": new}.'
    )
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, r: AuditEntryRecord) -> Self:
        return cls(
            id=strawberry.ID(r.log_id),
            user_id=strawberry.ID(r.user_id),
            entity_id=strawberry.ID(r.entity_id),
            entity_type=r.entity_type,
            action=r.action,
            owner_id=strawberry.ID(r.owner_id) if r.owner_id else None,
            changes=r.changes,
            created_at=timestamp(r.created_at),
            created_by=r.created_by,
        )


AuditEntryConnection = Connection[AuditEntry]
