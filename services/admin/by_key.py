"""One item of an aliased table by its key: get, create, update and delete.

The REST front door (`/endpoint`) and the GraphQL admin fields both call these functions
(and `scans` for many items); they differ only in how they shape requests and responses.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from services.admin.admins_only import require_admin
from services.admin.aliases import AdminTable, item_key, resolve
from services.admin.dynamo_errors import dynamo_errors
from services.admin.lockout import (
    ItemMissing,
    after_update,
    counted_write,
    counts_users,
    delete_entry,
    put_entry,
    touches_counted,
)
from services.admin.paths import Placeholders
from services.admin.updates import (
    UpdateAction,
    parent_levels,
    parents_expression,
    parse_update,
    update_expression,
)
from services.admin.values import Item, Wire, from_wire, wire_item
from services.auth.identity import Identity
from services.platform import clock
from services.platform.errors import BadInput, LockOut, NotFound, Unavailable
from services.platform.exactjson import exact
from services.runtime.wiring import Runtime
from services.store.admins import ACTIVE_ADMINS, counted_user, guard_self_removal
from services.store.dynamo import client_error_code

NOT_FOUND = "Item not found."


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one update action; `attributes` are the values it wrote."""

    action: str
    success: bool
    error: str | None = None
    attributes: Item | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"action": self.action, "success": self.success}
        if self.error is not None:
            body["error"] = self.error
        if self.attributes is not None:
            body["attributes"] = self.attributes
        return body


@dataclass(frozen=True)
class UpdateOutcome:
    results: list[ActionResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)


async def get_item(
    *, runtime: Runtime, actor: Identity, table: str, item_id: str, sort_id: str | None = None
) -> Item:
    """The item with this key (a consistent read), or NotFound("Item not found.")."""
    require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = item_key(target, item_id, sort_id)
    with dynamo_errors(target):
        response = await runtime.aws.dynamodb.get_item(
            TableName=target.table, Key=wire_item(key), ConsistentRead=True
        )
    found = response.get("Item")
    if not found:
        raise NotFound(NOT_FOUND)
    return from_wire(found)


async def create_item(*, runtime: Runtime, actor: Identity, table: str, item: object) -> Item:
    """Put `item` (replacing any item with the same key) and return what was stored.

    Missing key attributes get a uuid4; `created`, `createdBy`, `lastUpdatedBy` and
    `lastUpdatedDateTime` are set from the caller (`Identity.audit_name`) and the clock.
    """
    require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    if not isinstance(item, Mapping):
        raise BadInput("the item must be a JSON object")
    data: Item = dict(exact(item))
    for name in target.key_names:
        value = data.get(name)
        if value is None:
            data[name] = str(uuid.uuid4())
        elif isinstance(value, bool) or not isinstance(value, str | int | Decimal) or value == "":
            raise BadInput(f"{name} must be a non-empty string or a number", field=name)
    now, who = clock.now_iso(), actor.audit_name
    data.update(created=now, createdBy=who, lastUpdatedBy=who, lastUpdatedDateTime=now)
    wire = wire_item(data)
    if counts_users(runtime, target):
        await counted_write(
            runtime=runtime,
            actor=actor,
            target=target,
            key=wire_item({n: data[n] for n in target.key_names}),
            write=put_entry(target.table, wire),
            after=lambda _: data,
        )
        return from_wire(wire)
    with dynamo_errors(target):
        await runtime.aws.dynamodb.put_item(TableName=target.table, Item=wire)
    return from_wire(wire)


class _ItemMissing(Exception):
    pass


class _ActionFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def update_item(
    *,
    runtime: Runtime,
    actor: Identity,
    table: str,
    item_id: str,
    sort_id: str | None = None,
    update: object,
) -> UpdateOutcome:
    """Apply the seed's update actions (`set`, `remove`, `add`, `delete`, `setListAppend`).

    The payload is validated first (BadInput, nothing written). Then each action is its own
    conditional UpdateItem, in payload order, so some may succeed while others fail; each
    outcome is in `results`. A missing item is NotFound("Item not found.") before any write.
    Every successful action also sets `lastUpdatedBy` and `lastUpdatedDateTime`.
    """
    require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = wire_item(item_key(target, item_id, sort_id))
    actions = parse_update(update, key_names=target.key_names)
    counted = counts_users(runtime, target) and any(touches_counted(a) for a in actions)
    if counted:
        # An admin removing their own access is refused before anything is written (the
        # last-admin rule is each write's own condition, below).
        await _refuse_self_removal(runtime, actor, target=target, key=key, actions=actions)
    stamp = {"lastUpdatedBy": actor.audit_name, "lastUpdatedDateTime": clock.now_iso()}
    results: list[ActionResult] = []
    for action in actions:
        try:
            if counted and touches_counted(action):
                written = await _apply_counted(
                    runtime, actor, target=target, key=key, action=action, stamp=stamp
                )
            else:
                written = await _apply(runtime, target, key, action, stamp)
        except (_ItemMissing, ItemMissing):
            if not results:
                raise NotFound(NOT_FOUND) from None
            results.append(ActionResult(action.kind, False, error=NOT_FOUND))
        except _ActionFailed as failure:
            results.append(ActionResult(action.kind, False, error=failure.message))
        except (Unavailable, LockOut) as error:
            # Once an action is written, later refusals are that action's outcome, so the
            # answer says what was written (the seed's per-action results).
            if not any(r.success for r in results):
                raise
            results.append(ActionResult(action.kind, False, error=error.message))
        else:
            results.append(ActionResult(action.kind, True, attributes=written))
    return UpdateOutcome(results)


async def _refuse_self_removal(
    runtime: Runtime,
    actor: Identity,
    *,
    target: AdminTable,
    key: Wire,
    actions: list[UpdateAction],
) -> None:
    with dynamo_errors(target):
        response = await runtime.aws.dynamodb.get_item(
            TableName=target.table, Key=key, ConsistentRead=True
        )
    current = from_wire(response.get("Item") or {})
    final = current
    for action in actions:
        final = after_update(action)(final)
    if counted_user(current) == ACTIVE_ADMINS and counted_user(final) != ACTIVE_ADMINS:
        guard_self_removal(actor_id=actor.user_id, user_id=str(current.get(target.key)))


async def _apply(
    runtime: Runtime,
    target: AdminTable,
    key: Wire,
    action: UpdateAction,
    stamp: Mapping[str, Any],
) -> Item:
    placeholders = Placeholders()
    expression = update_expression(action, placeholders, stamp=stamp)
    try:
        return await _update(runtime, target, key, expression, placeholders)
    except _ActionFailed as failure:
        levels = parent_levels(action)
        if not levels or "document path" not in failure.message.lower():
            raise
    # A nested path whose parent maps are missing: make them, then try once more.
    for level in levels:
        parents = Placeholders()
        try:
            await _update(runtime, target, key, parents_expression(level, parents), parents)
        except _ActionFailed:
            break  # a parent is not a map: the retry reports DynamoDB's refusal
    placeholders = Placeholders()
    expression = update_expression(action, placeholders, stamp=stamp)
    return await _update(runtime, target, key, expression, placeholders)


async def _apply_counted(
    runtime: Runtime,
    actor: Identity,
    *,
    target: AdminTable,
    key: Wire,
    action: UpdateAction,
    stamp: Mapping[str, Any],
) -> Item:
    """An action on a users item's role, isActive or profileId: with its counter moves and
    the last-admin floor in one transaction (`lockout`). Returns the top-level attributes
    it wrote, as UpdateItem's UPDATED_NEW would."""

    def write(placeholders: Placeholders) -> dict[str, Any]:
        expression = update_expression(action, placeholders, stamp=stamp)
        return {"Update": {"TableName": target.table, "Key": key, "UpdateExpression": expression}}

    try:
        await counted_write(
            runtime=runtime,
            actor=actor,
            target=target,
            key=key,
            write=write,
            after=after_update(action),
            must_exist=True,
        )
    except BadInput as refused:
        raise _ActionFailed(refused.message) from None
    with dynamo_errors(target):
        response = await runtime.aws.dynamodb.get_item(
            TableName=target.table, Key=key, ConsistentRead=True
        )
    item = from_wire(response.get("Item") or {})
    names = {path[0].name for path, _ in action.entries} | set(stamp)
    return {name: item[name] for name in names if name in item}


async def _update(
    runtime: Runtime,
    target: AdminTable,
    key: Wire,
    expression: str,
    placeholders: Placeholders,
) -> Item:
    # The condition stops UpdateItem from creating an item that does not exist.
    condition = f"attribute_exists({placeholders.name(target.key)})"
    request = placeholders.request()
    try:
        with dynamo_errors(target):
            response = await runtime.aws.dynamodb.update_item(
                TableName=target.table,
                Key=key,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ReturnValues="UPDATED_NEW",
                **request,
            )
    except BadInput as refused:
        raise _ActionFailed(refused.message) from None
    except ClientError as error:
        if client_error_code(error) == "ConditionalCheckFailedException":
            raise _ItemMissing from None
        raise
    return from_wire(response.get("Attributes", {}))


async def delete_item(
    *, runtime: Runtime, actor: Identity, table: str, item_id: str, sort_id: str | None = None
) -> bool:
    """Delete the item with this key; True when there was one (deleting nothing is fine)."""
    require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = item_key(target, item_id, sort_id)
    if counts_users(runtime, target):
        before = await counted_write(
            runtime=runtime,
            actor=actor,
            target=target,
            key=wire_item(key),
            write=delete_entry(target.table, wire_item(key)),
            after=lambda _: None,
        )
        return bool(before)
    with dynamo_errors(target):
        response = await runtime.aws.dynamodb.delete_item(
            TableName=target.table, Key=wire_item(key), ReturnValues="ALL_OLD"
        )
    return bool(response.get("Attributes"))
