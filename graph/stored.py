"""What every stored type shares: the `Node` interface (a global id, Relay), the `Stored`
interface (audit fields and version) and timestamps as GraphQL DateTime."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.store.records import Record


@strawberry.interface(
    description=(
        "An object with an id unique across the API: refetch it with `node(id:)` (Relay). "
        "Ids are the ones the API always issued (UUIDs; `<ownerId>:<collectionId>`)."
    )
)
class Node:
    id: strawberry.ID


@strawberry.interface(description="Fields every stored item carries.")
class Stored:
    created_at: datetime
    updated_at: datetime
    created_by: str
    last_updated_by: str
    version: int = strawberry.field(description="Pass as expectedVersion to update safely.")


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def stored_fields(record: Record) -> dict[str, object]:
    """The `Stored` fields of a record, as keyword arguments for a type's constructor."""
    return {
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "created_by": record.created_by,
        "last_updated_by": record.last_updated_by,
        "version": record.version,
    }
