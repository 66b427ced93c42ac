"""The admin table API's writes to the users table keep the users counters exact and the
lock-out guard atomic, as GraphQL's writes do (`services.store.admins`).

A write that may change what a users item counts as (its `role`, `isActive` or `profileId`:
`counted_user`) is one TransactWriteItems: the write, conditional on those attributes being
what was just read, plus the counter moves, the active admins' under `KEEP_AN_ADMIN` (the
count stays at least 1). An admin removing their own admin access is refused first (SELF).
A concurrent change of the same attributes fails the condition; the write is then read and
tried again. Writes to other tables, or to other attributes, are the plain calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from services.admin.aliases import AdminTable
from services.admin.dynamo_errors import dynamo_errors
from services.admin.paths import Placeholders
from services.admin.updates import UpdateAction
from services.admin.values import Item, Wire, from_wire
from services.auth.identity import Identity
from services.platform.errors import BadInput, Conflict
from services.runtime.wiring import Runtime
from services.store import counters
from services.store.admins import (
    ACTIVE_ADMINS,
    KEEP_AN_ADMIN,
    counted_user,
    guard_self_removal,
)
from services.store.dynamo import client_error_code, transact

# What a users item's counter depends on (`counted_user`).
COUNTED = ("role", "isActive", "profileId")
_ATTEMPTS = 3
# The value of an attribute after an action other than a top-level `set`/`remove`: never a
# role name nor `true` (DynamoDB leaves a number, set, list or map there, or refuses).
_OTHER = object()


class ItemMissing(Exception):
    """An update's item does not exist."""


def counts_users(runtime: Runtime, target: AdminTable) -> bool:
    return target.table == runtime.tables.users


def touches_counted(action: UpdateAction) -> bool:
    return any(path[0].name in COUNTED for path, _ in action.entries)


def after_update(action: UpdateAction) -> Callable[[Item], Item]:
    """The item an update action leaves, as far as `counted_user` looks."""

    def after(current: Item) -> Item:
        item = dict(current)
        for path, value in action.entries:
            name = path[0].name
            if name not in COUNTED:
                continue
            top = len(path) == 1 and not path[0].indexes
            if action.kind == "set" and top:
                item[name] = value
            elif action.kind == "remove" and top:
                item.pop(name, None)
            else:
                item[name] = _OTHER
        return item

    return after


async def counted_write(
    *,
    runtime: Runtime,
    actor: Identity,
    target: AdminTable,
    key: Wire,
    write: Callable[[Placeholders], dict[str, Any]],
    after: Callable[[Item], Item | None],
    must_exist: bool = False,
) -> Item:
    """Run `write` (a TransactWriteItems entry built with the given placeholders, no
    condition) on the users item `key`, with the counter moves from the item read to
    `after(item)`. Returns the item as it was before the write."""
    for _ in range(_ATTEMPTS):
        with dynamo_errors(target):
            response = await runtime.aws.dynamodb.get_item(
                TableName=target.table, Key=key, ConsistentRead=True
            )
        current = from_wire(response.get("Item") or {})
        if must_exist and not current:
            raise ItemMissing
        before, later = counted_user(current), counted_user(after(current) or {})
        if before == ACTIVE_ADMINS and later != before:
            guard_self_removal(actor_id=actor.user_id, user_id=str(current.get(target.key)))
        placeholders = Placeholders()
        entry = write(placeholders)
        body = next(iter(entry.values()))
        body["ConditionExpression"] = _unchanged(current, placeholders, target, must_exist)
        body.update(placeholders.request())
        moves = counters.deltas(before=[before] if before else [], after=[later] if later else [])
        items = [entry, *counters.move_entries(runtime.tables.counters, moves, KEEP_AN_ADMIN)]
        try:
            with dynamo_errors(target):
                await transact(
                    aws=runtime.aws,
                    items=items,
                    on_condition=_Changed(),
                    refusals=counters.refusals(items, KEEP_AN_ADMIN),
                )
        except _Changed:
            continue  # changed since it was read: read it again
        except ClientError as error:
            raise _refused(error) from None
        return current
    raise Conflict("the item keeps changing; try again")


class _Changed(Conflict):
    def __init__(self) -> None:
        super().__init__("changed since it was read")


def _unchanged(
    current: Mapping[str, Any], placeholders: Placeholders, target: AdminTable, must_exist: bool
) -> str:
    """A condition that the item's counted attributes are as read (and it exists)."""
    parts = [f"attribute_exists({placeholders.name(target.key)})"] if must_exist else []
    for name in COUNTED:
        if name in current:
            parts.append(f"{placeholders.name(name)} = {placeholders.value(current[name])}")
        else:
            parts.append(f"attribute_not_exists({placeholders.name(name)})")
    return " AND ".join(parts)


def _refused(error: ClientError) -> Exception:
    """DynamoDB refusing the write itself inside the transaction (ValidationError)."""
    if client_error_code(error) == "TransactionCanceledException":
        for reason in error.response.get("CancellationReasons", []):
            if reason.get("Code") == "ValidationError":
                return BadInput(str(reason.get("Message") or "DynamoDB refused the update"))
    return error


def put_entry(table: str, wire: Wire) -> Callable[[Placeholders], dict[str, Any]]:
    return lambda _: {"Put": {"TableName": table, "Item": wire}}


def delete_entry(table: str, key: Wire) -> Callable[[Placeholders], dict[str, Any]]:
    return lambda _: {"Delete": {"TableName": table, "Key": key}}
