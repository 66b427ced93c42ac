"""The lock-out guard on the admin table API's writes to the users table: an admin cannot
delete, deactivate or demote themselves, nor the last active admin, through `/endpoint` any
more than through GraphQL (`services.store.admins`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.admin.aliases import AdminTable
from services.admin.dynamo_errors import dynamo_errors
from services.admin.updates import UpdateAction
from services.admin.values import Item, Wire, from_wire
from services.auth.identity import Identity
from services.runtime.wiring import Runtime
from services.store.admins import guard_admin_removal, is_active_admin

_ACCESS = ("role", "isActive")


async def guard_users_write(
    *,
    runtime: Runtime,
    actor: Identity,
    target: AdminTable,
    key: Wire,
    stays_admin: Callable[[Item], bool],
) -> None:
    """Before a write to `key`: when the item is an active admin and `stays_admin(item)` says
    the write ends that, refuse as `guard_admin_removal` does. Other tables pass untouched."""
    if target.table != runtime.tables.users:
        return
    with dynamo_errors(target):
        response = await runtime.aws.dynamodb.get_item(
            TableName=target.table, Key=key, ConsistentRead=True
        )
    current = from_wire(response.get("Item") or {})
    if current and is_active_admin(current) and not stays_admin(current):
        await guard_admin_removal(
            runtime=runtime, actor_id=actor.user_id, user_id=str(current.get(target.key))
        )


def after_update(actions: Sequence[UpdateAction]) -> Callable[[Item], bool]:
    """Whether an item is still an active admin after these seed-003 update actions. Any
    action but `set` on `role` or `isActive` counts as ending it (conservative)."""

    def stays(current: Item) -> bool:
        after: dict[str, Any] = {name: current.get(name) for name in _ACCESS}
        for action in actions:
            for path, value in action.entries:
                if path[0].name not in _ACCESS:
                    continue
                if action.kind == "set" and len(path) == 1 and not path[0].indexes:
                    after[path[0].name] = value
                else:
                    return False
        return is_active_admin(after)

    return stays


def replaced_by(item: Mapping[str, Any]) -> Callable[[Item], bool]:
    """For a put that replaces the whole item with `item`."""
    return lambda _: is_active_admin(item)


def deleted(_: Item) -> bool:
    return False
