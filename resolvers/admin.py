"""Resolvers for the admin table API in GraphQL: admins only, thin calls into the service."""

from __future__ import annotations

from typing import Any

from resolvers.context import RequestContext
from services.admin import aliases, items, scans
from services.platform.errors import NotFound


def tables(ctx: RequestContext) -> list[aliases.AdminTable]:
    ctx.viewer.require_admin()
    return aliases.tables(settings=ctx.runtime.settings)


async def item(
    ctx: RequestContext, table: str, item_id: str, sort_id: str | None
) -> dict[str, Any] | None:
    actor = ctx.viewer.require_admin()
    try:
        return await items.get_item(
            runtime=ctx.runtime, actor=actor, table=table, item_id=item_id, sort_id=sort_id
        )
    except NotFound:
        return None


async def page(
    ctx: RequestContext,
    *,
    table: str,
    scan: Any,
    attributes: list[str] | None,
    first: int,
    after: str | None,
) -> scans.ItemPage:
    actor = ctx.viewer.require_admin()
    return await scans.page(
        runtime=ctx.runtime,
        actor=actor,
        table=table,
        scan=scan,
        attributes=attributes,
        first=first,
        after=after,
    )


async def create(ctx: RequestContext, table: str, data: Any) -> dict[str, Any]:
    actor = ctx.viewer.require_admin()
    return await items.create_item(runtime=ctx.runtime, actor=actor, table=table, item=data)


async def update(
    ctx: RequestContext, table: str, item_id: str, sort_id: str | None, changes: Any
) -> items.UpdateOutcome:
    actor = ctx.viewer.require_admin()
    return await items.update_item(
        runtime=ctx.runtime,
        actor=actor,
        table=table,
        item_id=item_id,
        sort_id=sort_id,
        update=changes,
    )


async def delete(ctx: RequestContext, table: str, item_id: str, sort_id: str | None) -> bool:
    actor = ctx.viewer.require_admin()
    return await items.delete_item(
        runtime=ctx.runtime, actor=actor, table=table, item_id=item_id, sort_id=sort_id
    )
