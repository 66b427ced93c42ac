"""The lock-out guard: no admin removes their own admin access, and the last active admin
is never deactivated, demoted or deleted. People's mutations and the admin table API (the
seed-003 `/endpoint`) both write the users table, so both ask this before they do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.platform.errors import LockOut
from services.store.dynamo import collect_page, query_fetch
from services.store.list_request import ListRequest
from services.store.ports import StoreRuntime
from services.store.tables import USERS


def is_active_admin(item: Mapping[str, Any]) -> bool:
    """A users-table item that gives admin access: role ADMIN and active."""
    return item.get("role") == "ADMIN" and item.get("isActive") is True


async def guard_admin_removal(*, runtime: StoreRuntime, actor_id: str, user_id: str) -> None:
    """Call before `user_id`, an active admin, stops being one. Raises LockOut when it is
    the caller themselves, or when no other active admin exists (RoleIndex, a few items).

    Two admins removing each other at the same moment can both pass: the check and the
    write are not one transaction (DynamoDB has no count condition).
    """
    if user_id == actor_id:
        raise LockOut("you cannot remove your own admin access: ask another admin", reason="SELF")
    query = ListRequest(USERS, runtime.tables).on("role", "ADMIN").where("isActive", True)
    fetch = query_fetch(aws=runtime.aws, request=query.request())
    page = await collect_page(fetch=fetch, limit=2, start_key=None)
    if not any(item.get("userId") != user_id for item in page.items):
        raise LockOut(
            "this is the last active admin: make another admin first", reason="LAST_ADMIN"
        )
