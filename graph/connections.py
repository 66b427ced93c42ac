"""Relay connections: a page of edges with opaque cursors, and its page info."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from services.store.pagination import Slice

N = TypeVar("N")
R = TypeVar("R")


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
    page_info: PageInfo

    @classmethod
    def of(cls, page: Slice[R], node: Callable[[R], N]) -> Connection[N]:
        edges = [Edge(cursor=cursor, node=node(record)) for record, cursor in page.edges]
        info = PageInfo(
            has_next_page=page.has_next,
            end_cursor=page.end_cursor,
            start_cursor=edges[0].cursor if edges else None,
        )
        return cls(edges=edges, page_info=info)
