"""What every stored type shares: the `Node` interface (a global id, Relay), the `Stored`
interface (audit fields and version) and timestamps as GraphQL DateTime."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from services.store.records import Record


# Ids are the records' own texts: typed `str` in Python and ID in the schema. Wrapping each
# in `strawberry.ID(...)` is a Python call per value, for the type checker only: five a
# person on a page of people with profiles (issue 16).
def id_field(*, description: str | None = None) -> Any:
    """An `ID!` field holding a `str`."""
    return strawberry.field(graphql_type=strawberry.ID, description=description)


def optional_id_field(*, description: str | None = None) -> Any:
    """An `ID` field holding a `str` or None."""
    return strawberry.field(graphql_type=strawberry.ID | None, description=description)


@strawberry.interface(
    description=(
        "An object with an id unique across the API: refetch it with `node(id:)` (Relay). "
        "Ids are the ones the API always issued (UUIDs; `<ownerId>:<collectionId>`)."
    )
)
class Node:
    id: str = id_field()


def _created_at(self: Stored) -> datetime:
    return timestamp(self.record.created_at)


def _updated_at(self: Stored) -> datetime:
    return timestamp(self.record.updated_at)


def _created_by(self: Stored) -> str:
    return self.record.created_by


def _last_updated_by(self: Stored) -> str:
    return self.record.last_updated_by


def _version(self: Stored) -> int:
    return self.record.version


@strawberry.interface(description="Fields every stored item carries.")
class Stored:
    # The record an object was made from. Its fields here are read from it when asked for,
    # not copied (or parsed, for timestamps) whenever an object is made: a page makes many
    # objects, and most queries ask for few of these (issue 16).
    record: strawberry.Private[Record]
    created_at: datetime = strawberry.field(resolver=_created_at)
    updated_at: datetime = strawberry.field(resolver=_updated_at)
    created_by: str = strawberry.field(resolver=_created_by)
    last_updated_by: str = strawberry.field(resolver=_last_updated_by)
    version: int = strawberry.field(
        resolver=_version, description="Pass as expectedVersion to update safely."
    )


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)
