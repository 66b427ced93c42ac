"""Resolvers for the admin table API in GraphQL: admins only, thin calls into the service."""

from __future__ import annotations

from typing import Any

from resolvers.context import RequestContext
from services.admin import tables as admin_tables
from services.platform.errors import NotFound


def tables(ctx: RequestContext) -> list[admin_tables.AdminTable]:
    ctx.viewer.require_admin()
    return admin_tables.tables(settings=ctx.runtime.settings)


async def item(
    ctx: RequestContext, table: str, item_id: str, sort_id: str | None
) -> dict[str, Any] | None:
    actor = ctx.viewer.require_admin()
    try:
        return await admin_tables.get_item(
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
) -> admin_tables.ItemPage:
    actor = ctx.viewer.require_admin()
    return await admin_tables.page(
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
    return await admin_tables.create_item(runtime=ctx.runtime, actor=actor, table=table, item=data)


async def update(
    ctx: RequestContext, table: str, item_id: str, sort_id: str | None, changes: Any
) -> admin_tables.UpdateOutcome:
    actor = ctx.viewer.require_admin()
    return await admin_tables.update_item(
        runtime=ctx.runtime,
        actor=actor,
        table=table,
        item_id=item_id,
        sort_id=sort_id,
        update=changes,
    )


async def delete(ctx: RequestContext, table: str, item_id: str, sort_id: str | None) -> bool:
    actor = ctx.viewer.require_admin()
    return await admin_tables.delete_item(
        runtime=ctx.runtime, actor=actor, table=table, item_id=item_id, sort_id=sort_id
    )
