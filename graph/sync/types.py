"""Offline sync: one page of what changed since a sync token."""

from __future__ import annotations

import strawberry

from graph.stored import Node


@strawberry.type(
    description=(
        "Something the viewer had that is gone or no longer theirs to see: evict it "
        "(Apollo: `cache.evict({ id: cache.identify({ __typename: type, id }) })`)."
    )
)
class Tombstone:
    id: strawberry.ID
    type: str = strawberry.field(description="The object's GraphQL type (its __typename).")


@strawberry.type(
    description=(
        "What changed since a sync token: current objects to write into the cache, tombstones "
        "to evict, and the token to send next time (docs/frontend.md, offline sync)."
    )
)
class ChangePage:
    upserts: list[Node] = strawberry.field(
        description="Objects changed (or newly visible), each as it is now."
    )
    tombstones: list[Tombstone] = strawberry.field(
        description="Objects deleted, or no longer visible to you."
    )
    token: str = strawberry.field(
        description="Send as `since` next time (and for the next page); keep it with the cache."
    )
    has_more: bool = strawberry.field(
        description="More changes are waiting already: ask again with `token` now."
    )
