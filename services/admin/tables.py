"""The admin table API of seed 003: get, list, scan, create, update and delete items of any
aliased table. The REST front door (`/endpoint`) and the GraphQL admin fields both call
these functions; they differ only in how they shape requests and responses.

Numbers stay `Decimal` end to end. Items come back as JSON-ready values: sets as sorted
lists, binary as base64 text.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from services.admin.expressions import (
    Placeholders,
    UpdateAction,
    filter_expression,
    parent_levels,
    parents_expression,
    parse_update,
    projection_expression,
    to_wire,
    update_expression,
)
from services.auth.identity import Identity
from services.platform import clock
from services.platform.errors import BadInput, Forbidden, NotFound, Unavailable
from services.platform.exactjson import exact
from services.platform.settings import Settings
from services.runtime.wiring import Runtime
from services.store.dynamo import client_error_code, collect_page
from services.store.pagination import check_first

log = logging.getLogger(__name__)

NOT_FOUND = "Item not found."
MAX_ID_LENGTH = 1024
MAX_SCAN_LIMIT = 1000
Item = dict[str, Any]
Wire = dict[str, Any]

_deserializer = TypeDeserializer()
_UNAVAILABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalServerError",
}


@dataclass(frozen=True)
class AdminTable:
    """An alias and the real table behind it."""

    alias: str
    table: str
    key: str
    sort_key: str | None = None

    @property
    def key_names(self) -> tuple[str, ...]:
        return (self.key, self.sort_key) if self.sort_key else (self.key,)


@dataclass(frozen=True)
class ScanResult:
    """What a Scan read: the items, DynamoDB's counts, and where to continue (if anywhere)."""

    items: list[Item]
    count: int
    scanned_count: int
    last_evaluated_key: Item | None


@dataclass(frozen=True)
class ItemPage:
    """A GraphQL page: `first` items at most, and a signed cursor after the last one."""

    items: list[Item]
    has_next: bool
    end_cursor: str | None


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


# Aliases and keys --------------------------------------------------------------------------


def tables(*, settings: Settings) -> list[AdminTable]:
    """Every alias the admin API knows, defaults first, in configuration order."""
    return [
        AdminTable(alias=name, table=a.table, key=a.key, sort_key=a.sort_key)
        for name, a in settings.table_aliases.items()
    ]


def resolve(*, settings: Settings, alias: str) -> AdminTable:
    """The table behind `alias` (case-sensitive, as the seed's `Workers`), or BadInput."""
    found = settings.table_aliases.get(alias)
    if found is None:
        raise BadInput(f"Unknown table alias '{alias}'.", field="table")
    return AdminTable(alias=alias, table=found.table, key=found.key, sort_key=found.sort_key)


def item_key(target: AdminTable, item_id: str | None, sort_id: str | None) -> Item:
    """The primary key for `id` (and `sortId` on a composite-key table)."""
    _check_id(item_id, "id")
    key: Item = {target.key: item_id}
    if target.sort_key is None:
        if sort_id is not None:
            raise BadInput(f"{target.alias} has no sort key; leave out sortId", field="sortId")
        return key
    if sort_id is None:
        raise BadInput(
            f"{target.alias} has a composite key ({target.key} + {target.sort_key}): "
            f"give sortId (the {target.sort_key}) as well as id (the {target.key})",
            field="sortId",
        )
    _check_id(sort_id, "sortId")
    key[target.sort_key] = sort_id
    return key


def _check_id(value: str | None, name: str) -> None:
    if value is None or value == "":
        raise BadInput(f"{name} is required", field=name)
    if len(value) > MAX_ID_LENGTH:
        raise BadInput(f"{name} must be at most {MAX_ID_LENGTH} characters", field=name)


def _require_admin(actor: Identity) -> None:
    if not actor.is_admin:
        raise Forbidden("only an admin may use the admin table API")


# Values ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        # JSON has no sets: a sorted list (string sets, number sets, binary sets).
        return sorted(_plain(v) for v in value)
    if isinstance(value, Binary):
        return base64.b64encode(value.value).decode()
    return value


def from_wire(item: Mapping[str, Any]) -> Item:
    """A DynamoDB item as JSON-ready values, numbers as exact `Decimal`."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _wire_item(item: Mapping[str, Any]) -> Wire:
    return {k: to_wire(v) for k, v in item.items()}


@contextmanager
def _dynamo_errors(target: AdminTable) -> Iterator[None]:
    """DynamoDB's refusals as errors an admin can act on; outages as SERVICE_UNAVAILABLE."""
    try:
        yield
    except ClientError as error:
        code = client_error_code(error)
        if code == "ValidationException":
            raise BadInput(_message(error)) from None
        if code == "ResourceNotFoundException":
            raise BadInput(
                f"table alias '{target.alias}' points to '{target.table}', which does not exist"
            ) from None
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in _UNAVAILABLE or int(status) >= 500:
            raise Unavailable("DynamoDB is busy; try again shortly") from None
        raise
    except BotoCoreError as error:
        log.warning("DynamoDB call for %s failed: %s", target.alias, error)
        raise Unavailable("DynamoDB did not answer; try again shortly") from None


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message") or "DynamoDB refused the request")


# Reads -------------------------------------------------------------------------------------


async def get_item(
    *, runtime: Runtime, actor: Identity, table: str, item_id: str, sort_id: str | None = None
) -> Item:
    """The item with this key (a consistent read), or NotFound("Item not found.")."""
    _require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = item_key(target, item_id, sort_id)
    with _dynamo_errors(target):
        response = await runtime.aws.dynamodb.get_item(
            TableName=target.table, Key=_wire_item(key), ConsistentRead=True
        )
    found = response.get("Item")
    if not found:
        raise NotFound(NOT_FOUND)
    return from_wire(found)


def start_key(target: AdminTable, raw: object) -> Wire | None:
    """A client's `LastEvaluatedKey` checked against the table's key, in wire form."""
    if raw is None:
        return None
    names = " + ".join(target.key_names)
    if not isinstance(raw, Mapping) or set(raw) != set(target.key_names):
        raise BadInput(
            f"LastEvaluatedKey must be an object with exactly the key attributes {names}",
            field="LastEvaluatedKey",
        )
    for value in raw.values():
        valid_number = isinstance(value, int | Decimal) and not isinstance(value, bool)
        if not (isinstance(value, str) and value) and not valid_number:
            raise BadInput(
                "LastEvaluatedKey values must be non-empty strings or numbers",
                field="LastEvaluatedKey",
            )
    return _wire_item(raw)


def _scan_request(
    target: AdminTable, scan: object, attributes: object, *, extra: Sequence[str] = ()
) -> dict[str, Any]:
    placeholders = Placeholders()
    request: dict[str, Any] = {"TableName": target.table}
    condition = filter_expression(exact(scan), placeholders) if scan is not None else None
    projection = projection_expression(attributes, placeholders, extra=extra)
    if condition:
        request["FilterExpression"] = condition
    if projection:
        request["ProjectionExpression"] = projection
    request.update(placeholders.request())
    return request


async def scan_items(
    *,
    runtime: Runtime,
    actor: Identity,
    table: str,
    scan: Mapping[str, Any] | None = None,
    attributes: Sequence[str] | None = None,
    paginate: bool = False,
    last_evaluated_key: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> ScanResult:
    """Scan a table, optionally filtered (`scan`, the seed's language) and projected.

    With `paginate` one Scan call is made from `last_evaluated_key` (DynamoDB's own paging,
    `limit` items examined at most); without it every page is read and all matches returned.
    An empty or missing filter lists the whole table.
    """
    _require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    request = _scan_request(target, scan, attributes)
    if limit is not None:
        if isinstance(limit, bool) or not 1 <= limit <= MAX_SCAN_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_SCAN_LIMIT}", field="limit")
        request["Limit"] = limit
    start = start_key(target, last_evaluated_key)
    items: list[Item] = []
    count = scanned = 0
    while True:
        call = dict(request, ExclusiveStartKey=start) if start else request
        with _dynamo_errors(target):
            response = await runtime.aws.dynamodb.scan(**call)
        items.extend(from_wire(i) for i in response.get("Items", []))
        count += int(response.get("Count", 0))
        scanned += int(response.get("ScannedCount", 0))
        start = response.get("LastEvaluatedKey")
        if paginate or not start:
            last = from_wire(start) if start else None
            return ScanResult(
                items=items, count=count, scanned_count=scanned, last_evaluated_key=last
            )


def _cursor_start(target: AdminTable, key: Mapping[str, Any] | None) -> Wire | None:
    # The cursor carries the key in wire form ({"S": "…"}), so numbers stay exact too.
    if key is None:
        return None
    if set(key) != set(target.key_names) or not all(
        isinstance(v, Mapping)
        and len(v) == 1
        and next(iter(v)) in ("S", "N")
        and isinstance(next(iter(v.values())), str)
        for v in key.values()
    ):
        raise BadInput("invalid cursor")
    return dict(key)


async def page(
    *,
    runtime: Runtime,
    actor: Identity,
    table: str,
    scan: Mapping[str, Any] | None = None,
    attributes: Sequence[str] | None = None,
    first: int,
    after: str | None = None,
) -> ItemPage:
    """`first` matching items after the signed cursor `after` (scope `admin:<alias>`).

    Reads on until the page is full, so a selective filter still yields full pages.
    """
    _require_admin(actor)
    check_first(first, maximum=runtime.settings.page_size_max)
    target = resolve(settings=runtime.settings, alias=table)
    scope = f"admin:{target.alias}"
    start = _cursor_start(target, runtime.cursors.decode(after, scope=scope))
    # The key is read even when not asked for: the cursor is made from it.
    request = _scan_request(target, scan, attributes, extra=target.key_names)

    async def fetch(key: Wire | None, limit: int) -> tuple[list[Wire], Wire | None]:
        call = dict(request, Limit=limit)
        if key is not None:
            call["ExclusiveStartKey"] = key
        with _dynamo_errors(target):
            response = await runtime.aws.dynamodb.scan(**call)
        return list(response.get("Items", [])), response.get("LastEvaluatedKey")

    found = await collect_page(fetch=fetch, limit=first, start_key=start)
    wanted = {a.split(".")[0].split("[")[0] for a in attributes or []}
    hidden = [k for k in target.key_names if wanted and k not in wanted]
    items = [{k: v for k, v in from_wire(i).items() if k not in hidden} for i in found.items]
    cursor = None
    if found.items:
        last = found.items[-1]
        cursor = runtime.cursors.encode(scope=scope, key={k: last[k] for k in target.key_names})
    return ItemPage(items=items, has_next=found.has_next, end_cursor=cursor)


# Writes ------------------------------------------------------------------------------------


async def create_item(
    *, runtime: Runtime, actor: Identity, table: str, item: Mapping[str, Any]
) -> Item:
    """Put `item` (replacing any item with the same key) and return what was stored.

    Missing key attributes get a uuid4; `created`, `createdBy`, `lastUpdatedBy` and
    `lastUpdatedDateTime` are set from the caller (`Identity.audit_name`) and the clock.
    """
    _require_admin(actor)
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
    wire = _wire_item(data)
    with _dynamo_errors(target):
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
    update: Mapping[str, Any],
) -> UpdateOutcome:
    """Apply the seed's update actions (`set`, `remove`, `add`, `delete`, `setListAppend`).

    The payload is validated first (BadInput, nothing written). Then each action is its own
    conditional UpdateItem, in payload order, so some may succeed while others fail; each
    outcome is in `results`. A missing item is NotFound("Item not found.") before any write.
    Every successful action also sets `lastUpdatedBy` and `lastUpdatedDateTime`.
    """
    _require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = _wire_item(item_key(target, item_id, sort_id))
    actions = parse_update(update, key_names=target.key_names)
    stamp = {"lastUpdatedBy": actor.audit_name, "lastUpdatedDateTime": clock.now_iso()}
    results: list[ActionResult] = []
    for action in actions:
        try:
            written = await _apply(runtime, target, key, action, stamp)
        except _ItemMissing:
            if not results:
                raise NotFound(NOT_FOUND) from None
            results.append(ActionResult(action.kind, False, error=NOT_FOUND))
        except _ActionFailed as failure:
            results.append(ActionResult(action.kind, False, error=failure.message))
        except Unavailable as error:
            if not any(r.success for r in results):
                raise
            results.append(ActionResult(action.kind, False, error=error.message))
        else:
            results.append(ActionResult(action.kind, True, attributes=written))
    return UpdateOutcome(results)


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
        with _dynamo_errors(target):
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
    _require_admin(actor)
    target = resolve(settings=runtime.settings, alias=table)
    key = item_key(target, item_id, sort_id)
    with _dynamo_errors(target):
        response = await runtime.aws.dynamodb.delete_item(
            TableName=target.table, Key=_wire_item(key), ReturnValues="ALL_OLD"
        )
    return bool(response.get("Attributes"))
