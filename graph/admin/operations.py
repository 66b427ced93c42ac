"""The admin table API in GraphQL (admins only): the same operations as `/endpoint`.

Items are `JSON`; numbers in them are exact (DynamoDB decimals, written with their digits).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graph.connections import PageInfo
from graph.context import Info
from services.admin import aliases, by_key, scans
from services.platform.errors import NotFound


@strawberry.type(description="A table the admin API can reach, by alias.")
class AdminTable:
    alias: str
    table_name: str
    key: str = strawberry.field(description="The partition key attribute (`id`).")
    sort_key: str | None = strawberry.field(
        description="The sort key attribute (`sortId`) of a composite-key table, else null."
    )

    @classmethod
    def of(cls, table: aliases.AdminTable) -> AdminTable:
        return cls(
            alias=table.alias, table_name=table.table, key=table.key, sort_key=table.sort_key
        )


@strawberry.type(description="A page of items; pass pageInfo.endCursor as `after` for more.")
class AdminPage:
    items: list[JSON]
    page_info: PageInfo

    @classmethod
    def of(cls, page: scans.ItemPage) -> AdminPage:
        return cls(
            items=[JSON(i) for i in page.items],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )


@strawberry.type(description="The outcome of one update action.")
class AdminActionResult:
    action: str = strawberry.field(description="set, remove, add, delete or setListAppend.")
    success: bool
    error: str | None
    attributes: JSON | None = strawberry.field(description="The values the action wrote.")


@strawberry.type(description="Every action's outcome; success only when all succeeded.")
class AdminUpdateResult:
    success: bool
    results: list[AdminActionResult]

    @classmethod
    def of(cls, outcome: by_key.UpdateOutcome) -> AdminUpdateResult:
        return cls(
            success=outcome.success,
            results=[
                AdminActionResult(
                    action=r.action,
                    success=r.success,
                    error=r.error,
                    attributes=JSON(r.attributes) if r.attributes is not None else None,
                )
                for r in outcome.results
            ],
        )


SortId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The sort key value, for a composite-key table (e.g. ImageCollections)."
    ),
]


@strawberry.type
class AdminQuery:
    @strawberry.field(description="The table aliases of the admin API. Admins only.")
    def admin_tables(self, info: Info) -> list[AdminTable]:
        ctx = info.context
        ctx.viewer.require_admin()
        return [AdminTable.of(t) for t in aliases.tables(settings=ctx.runtime.settings)]

    @strawberry.field(description="One item by key, or null. Admins only.")
    async def admin_item(
        self,
        info: Info,
        table: str,
        id: strawberry.ID,
        sort_id: SortId = None,
    ) -> JSON | None:
        ctx = info.context
        actor = ctx.viewer.require_admin()
        try:
            found = await by_key.get_item(
                runtime=ctx.runtime,
                actor=actor,
                table=table,
                item_id=id,
                sort_id=sort_id,
            )
        except NotFound:
            return None
        return JSON(found)

    @strawberry.field(description="All items of a table, a page at a time. Admins only.")
    async def admin_list(
        self, info: Info, table: str, first: int = 20, after: str | None = None
    ) -> AdminPage:
        ctx = info.context
        found = await scans.page(
            runtime=ctx.runtime,
            actor=ctx.viewer.require_admin(),
            table=table,
            scan=None,
            attributes=None,
            first=first,
            after=after,
        )
        return AdminPage.of(found)

    @strawberry.field(
        description=(
            "Items matching a seed-003 scan filter (the `scan` object of POST "
            "/endpoint?action=scan), a page at a time. Admins only."
        )
    )
    async def admin_scan(
        self,
        info: Info,
        *,
        table: str,
        filter: JSON,
        attributes_to_get: list[str] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> AdminPage:
        ctx = info.context
        found = await scans.page(
            runtime=ctx.runtime,
            actor=ctx.viewer.require_admin(),
            table=table,
            scan=filter,
            attributes=attributes_to_get,
            first=first,
            after=after,
        )
        return AdminPage.of(found)


@strawberry.type
class AdminMutation:
    @strawberry.mutation(
        description=(
            "Put an item (replacing one with the same key); a missing key becomes a uuid. "
            "Adds created, createdBy, lastUpdatedBy, lastUpdatedDateTime. Admins only."
        )
    )
    async def admin_create_item(self, info: Info, table: str, item: JSON) -> JSON:
        ctx = info.context
        created = await by_key.create_item(
            runtime=ctx.runtime, actor=ctx.viewer.require_admin(), table=table, item=item
        )
        return JSON(created)

    @strawberry.mutation(
        description=(
            "Apply a seed-003 update (set, remove, add, delete, setListAppend); each action's "
            "outcome is in results. Admins only."
        )
    )
    async def admin_update_item(
        self,
        info: Info,
        table: str,
        id: strawberry.ID,
        update: JSON,
        sort_id: SortId = None,
    ) -> AdminUpdateResult:
        ctx = info.context
        outcome = await by_key.update_item(
            runtime=ctx.runtime,
            actor=ctx.viewer.require_admin(),
            table=table,
            item_id=id,
            sort_id=sort_id,
            update=update,
        )
        return AdminUpdateResult.of(outcome)

    @strawberry.mutation(description="Delete an item; false when there was none. Admins only.")
    async def admin_delete_item(
        self,
        info: Info,
        table: str,
        id: strawberry.ID,
        sort_id: SortId = None,
    ) -> bool:
        ctx = info.context
        return await by_key.delete_item(
            runtime=ctx.runtime,
            actor=ctx.viewer.require_admin(),
            table=table,
            item_id=id,
            sort_id=sort_id,
        )
