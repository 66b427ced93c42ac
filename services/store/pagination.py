"""Relay-style slices of a DynamoDB read, with signed cursors per edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from services.platform.errors import BadInput
from services.store.dynamo import Item, Page, collect_page, query_fetch
from services.store.list_request import ListRequest
from services.store.ports import StoreRuntime
from services.store.tables import TableSpec

T = TypeVar("T")


class Direction(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True)
class Order:
    """A list's order: the sort attribute of a sorted index, and which way to read it."""

    by: str
    direction: Direction = Direction.DESC

    def __post_init__(self) -> None:
        # A plain str (not a StrEnum member): cursors are JSON with attribute names as keys.
        object.__setattr__(self, "by", str(self.by))

    @property
    def scope(self) -> str:
        """Part of a cursor's scope: a cursor of one order is refused by another."""
        return f"order:{self.by}:{self.direction.value}"


@dataclass(frozen=True)
class Slice(Generic[T]):
    edges: list[tuple[T, str]]
    has_next: bool
    # The counters whose sum is the size of the whole list (services/store/counters.py);
    # None where no counter is kept.
    count_keys: tuple[str, ...] | None = None
    # where the next page starts when the read limit ended this one early
    resume_cursor: str | None = None

    @property
    def end_cursor(self) -> str | None:
        if self.resume_cursor is not None:
            return self.resume_cursor
        return self.edges[-1][1] if self.edges else None


def check_first(first: int, *, maximum: int) -> int:
    """`first` must be 1..maximum."""
    if first < 1 or first > maximum:
        raise BadInput(f"first must be between 1 and {maximum}", field="first")
    return first


async def read_slice(
    *,
    runtime: StoreRuntime,
    query: ListRequest,
    scope: str,
    first: int,
    after: str | None,
    build: Callable[[Item], T],
    count_keys: tuple[str, ...] | None = None,
) -> Slice[T]:
    """One page of `query`, `first` items after the cursor `after`.

    `scope` names the query and partition; a cursor is only accepted by the same scope.
    """
    key_names = query.key_names
    start = runtime.cursors.decode(after, scope=scope)
    if start is not None and set(start) != set(key_names):
        raise BadInput("invalid cursor")
    page: Page = await collect_page(
        fetch=query_fetch(aws=runtime.aws, request=query.request()),
        limit=first,
        start_key=start,
        max_reads=runtime.settings.max_reads_per_page,
    )
    edges = [
        (build(item), runtime.cursors.encode(scope=scope, key={k: item[k] for k in key_names}))
        for item in page.items
    ]
    resume = None
    if page.resume is not None:
        resume = runtime.cursors.encode(
            scope=scope, key={k: page.resume[k] for k in key_names if k in page.resume}
        )
    return Slice(edges=edges, has_next=page.has_next, count_keys=count_keys, resume_cursor=resume)


async def partition_page(
    *,
    runtime: StoreRuntime,
    spec: TableSpec,
    attribute: str,
    value: str,
    scope: str,
    first: int,
    after: str | None,
    build: Callable[[Item], T],
    equals: tuple[str, str] | None = None,
    count_keys: tuple[str, ...] | None = None,
    order: Order | None = None,
) -> Slice[T]:
    """One page of the items whose `attribute` is `value` (a table or GSI partition),
    optionally only those whose attribute `equals[0]` is `equals[1]`, in `order` (a sorted
    index) or in key order."""
    check_first(first, maximum=runtime.settings.page_size_max)
    query = ListRequest(spec, runtime.tables).on(attribute, value, by=order.by if order else None)
    if order is not None:
        scope = f"{scope}:{order.scope}"
        if order.direction is Direction.DESC:
            query.descending()
    if equals is not None:
        query.where(*equals)
    return await read_slice(
        runtime=runtime,
        query=query,
        scope=scope,
        first=first,
        after=after,
        build=build,
        count_keys=count_keys,
    )
