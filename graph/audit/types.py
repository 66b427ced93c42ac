"""Audit entries: one per change, written with the change."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from graph.connections import Connection
from graph.stored import Node, id_field, optional_id_field, timestamp
from services.store.audit import AuditEntry as AuditEntryRecord


@strawberry.type(description="One recorded change.")
class AuditEntry(Node):
    id: str = id_field()
    user_id: str = id_field(description="Who made the change.")
    entity_id: str = id_field()
    entity_type: str
    action: str
    owner_id: str | None = optional_id_field()
    changes: str | None = strawberry.field(
        description='JSON object: field -> {"from": old, "to": new}.'
    )
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, r: AuditEntryRecord) -> Self:
        return cls(
            id=r.log_id,
            user_id=r.user_id,
            entity_id=r.entity_id,
            entity_type=r.entity_type,
            action=r.action,
            owner_id=r.owner_id or None,
            changes=r.changes,
            created_at=timestamp(r.created_at),
            created_by=r.created_by,
        )


AuditEntryConnection = Connection[AuditEntry]
