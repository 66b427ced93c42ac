"""The offline-sync query: `changes(since:)` (resolvers/changes.py)."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.nodes import as_node
from graph.sync.types import ChangePage, Tombstone
from resolvers import changes as resolvers


@strawberry.type
class SyncQuery:
    @strawberry.field(
        description=(
            "What you may see that changed since the sync token `since`, about `first` at a "
            "time, oldest first; upserts are objects as they are now, tombstones what is gone "
            "or no longer yours. With `since` null: no changes, and the token of now: take it "
            "before your full read. A token older than the retention, or from before your "
            "role changed, is refused with SYNC_TOKEN_EXPIRED: read everything again."
        )
    )
    async def changes(self, info: Info, since: str | None = None, first: int = 50) -> ChangePage:
        page = await resolvers.changes(info.context, since=since, first=first)
        return ChangePage(
            upserts=[as_node(r) for r in page.upserts],
            tombstones=[Tombstone(id=strawberry.ID(t.id), type=t.type) for t in page.tombstones],
            token=page.token,
            has_more=page.has_more,
        )
