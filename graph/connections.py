"""Relay connections: a page of edges with opaque cursors, and its page info."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from graph.context import Info
from graph.waves import field_nodes
from services.store.pagination import Direction, Order, Slice

N = TypeVar("N")
R = TypeVar("R")


def _selects_total(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> bool:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value == "totalCount":
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _selects_total(selection.selection_set, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _selects_total(fragment.selection_set, fragments):
                return True
    return False


def wants_total(info: Info) -> bool:
    """Whether the connection this field returns has `totalCount` selected: nested lists
    then read their counters together with their pages (resolvers/loaders.py).

    Reads graphql-core's field nodes, only the connection's own selections: Strawberry's
    `info.selected_fields` converts the whole sub-tree on every call, which cost more than the
    rest of a nested connection field (about 40 µs a call, once per parent). In waves the
    nodes come from the field's selection, with no resolve info built (graph/waves.py)."""
    nodes, fragments = field_nodes(info)
    return any(_selects_total(node.selection_set, fragments) for node in nodes)


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    # The page the edges came from: its page info is made when asked for, not with every
    # connection (a nested list makes one per parent; most queries read none).
    page: strawberry.Private[Slice[Any]]

    @strawberry.field
    def page_info(self) -> PageInfo:
        page = self.page
        return PageInfo(
            has_next_page=page.has_next,
            end_cursor=page.end_cursor,
            start_cursor=page.edges[0][1] if page.edges else None,
        )

    @strawberry.field(
        description=(
            "How many items the whole list has (every page), exact: kept by counters written "
            "with each change, read in one request for all lists of a response. Null only on "
            "the audit log, which keeps no counters."
        )
    )
    async def total_count(self, info: Info) -> int | None:
        count_keys = self.page.count_keys
        if count_keys is None:
            return None
        counts = await info.context.loaders.counter.load_many(list(count_keys))
        return sum(c or 0 for c in counts)

    @classmethod
    def of(cls, page: Slice[R], node: Callable[[R], N]) -> Connection[N]:
        return cls(
            edges=[Edge(cursor=cursor, node=node(record)) for record, cursor in page.edges],
            page=page,
        )


# Orders are few (a field by a direction) and frozen: one of each is shared, not made again
# for every parent of a nested list.
@functools.cache
def order_of(field: StrEnum | None, direction: Direction) -> Order | None:
    """The services' order of an `orderBy` input (None: the list's default order)."""
    return Order(str(field), direction) if field is not None else None
