"""Relay-style slices of a DynamoDB read, with signed cursors per edge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.platform.aws import Aws
from services.platform.errors import BadInput
from services.runtime.wiring import Runtime
from services.store.cursors import Cursors
from services.store.dynamo import Item, Page, collect_page, query_fetch

T = TypeVar("T")


@dataclass(frozen=True)
class Slice(Generic[T]):
    edges: list[tuple[T, str]]
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1][1] if self.edges else None


def check_first(first: int, *, maximum: int) -> int:
    """`first` must be 1..maximum."""
    if first < 1 or first > maximum:
        raise BadInput(f"first must be between 1 and {maximum}", field="first")
    return first


async def read_slice(
    *,
    aws: Aws,
    cursors: Cursors,
    scope: str,
    request: dict[str, Any],
    key_names: Sequence[str],
    first: int,
    after: str | None,
    build: Callable[[Item], T],
) -> Slice[T]:
    """One page of a Query/Scan `request`, `first` items after the cursor `after`.

    `scope` names the query and partition; a cursor is only accepted by the same scope.
    """
    start = cursors.decode(after, scope=scope)
    if start is not None and set(start) != set(key_names):
        raise BadInput("invalid cursor")
    page: Page = await collect_page(
        fetch=query_fetch(aws=aws, request=request), limit=first, start_key=start
    )
    edges = [
        (build(item), cursors.encode(scope=scope, key={k: item[k] for k in key_names}))
        for item in page.items
    ]
    return Slice(edges=edges, has_next=page.has_next)


async def partition_page(
    *,
    runtime: Runtime,
    table: str,
    index: str | None,
    attribute: str,
    value: str,
    key_names: Sequence[str],
    scope: str,
    first: int,
    after: str | None,
    build: Callable[[Item], T],
    equals: tuple[str, str] | None = None,
) -> Slice[T]:
    """One page of the items whose `attribute` is `value` (a table or GSI partition),
    optionally only those whose attribute `equals[0]` is `equals[1]`."""
    check_first(first, maximum=runtime.settings.page_size_max)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#p = :p",
        "ExpressionAttributeNames": {"#p": attribute},
        "ExpressionAttributeValues": {":p": {"S": value}},
    }
    if index is not None:
        request["IndexName"] = index
    if equals is not None:
        request["FilterExpression"] = "#f = :f"
        request["ExpressionAttributeNames"]["#f"] = equals[0]
        request["ExpressionAttributeValues"][":f"] = {"S": equals[1]}
    return await read_slice(
        aws=runtime.aws,
        cursors=runtime.cursors,
        scope=scope,
        request=request,
        key_names=key_names,
        first=first,
        after=after,
        build=build,
    )
