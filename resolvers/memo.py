"""Per-event memoisation by object identity.

A broker hands the same event object to every local subscriber; building the record (and its
GraphQL object) once per event instead of once per subscriber is what lets identical
subscriptions share one execution (see graph/live/executions.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

S = TypeVar("S")
T = TypeVar("T")


class IdentityMemo(Generic[S, T]):
    """`memo(source, build)`: `build(source)` once per source object (the last `size` ones)."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        # The source is kept in the entry, so its id cannot be reused while it is cached.
        self._entries: OrderedDict[int, tuple[S, T]] = OrderedDict()

    def __call__(self, source: S, build: Callable[[S], T]) -> T:
        entry = self._entries.get(id(source))
        if entry is not None and entry[0] is source:
            return entry[1]
        value = build(source)
        self._entries[id(source)] = (source, value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value
