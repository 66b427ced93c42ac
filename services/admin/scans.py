"""Reading many items of an aliased table: a filtered, projected Scan (`scan_items`, the
REST list and scan) and signed-cursor pages of one (`page`, the GraphQL list and scan).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.admin.admins_only import require_admin
from services.admin.aliases import AdminTable, resolve, start_key
from services.admin.dynamo_errors import dynamo_errors
from services.admin.filters import filter_expression, projection_expression
from services.admin.paths import Placeholders
from services.admin.values import Item, Wire, from_wire
from services.auth.identity import Identity
from services.platform.errors import BadInput
from services.platform.exactjson import exact
from services.runtime.wiring import Runtime
from services.store.dynamo import collect_page
from services.store.pagination import check_first

MAX_SCAN_LIMIT = 1000


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
    require_admin(actor)
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
        with dynamo_errors(target):
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
    scan: object = None,
    attributes: Sequence[str] | None = None,
    first: int,
    after: str | None = None,
) -> ItemPage:
    """`first` matching items after the signed cursor `after` (scope `admin:<alias>`).

    Reads on until the page is full, so a selective filter still yields full pages — up to
    MAX_READS_PER_PAGE calls; past that the page may be short, and its cursor goes on.
    """
    require_admin(actor)
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
        with dynamo_errors(target):
            response = await runtime.aws.dynamodb.scan(**call)
        return list(response.get("Items", [])), response.get("LastEvaluatedKey")

    found = await collect_page(
        fetch=fetch, limit=first, start_key=start, max_reads=runtime.settings.max_reads_per_page
    )
    wanted = {a.split(".")[0].split("[")[0] for a in attributes or []}
    hidden = [k for k in target.key_names if wanted and k not in wanted]
    items = [{k: v for k, v in from_wire(i).items() if k not in hidden} for i in found.items]
    cursor = None
    # the last item, or where the read limit stopped (both in wire form)
    last = found.resume if found.resume is not None else (found.items[-1] if found.items else None)
    if last is not None:
        cursor = runtime.cursors.encode(scope=scope, key={k: last[k] for k in target.key_names})
    return ItemPage(items=items, has_next=found.has_next, end_cursor=cursor)
