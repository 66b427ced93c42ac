"""Values made from a parsed object (a document, an operation, a field node), found again by
the object itself.

The parser cache hands out one document object per query text, so a repeated query brings the
same objects: they are found by identity, without hashing a tree (a DocumentNode's hash walks
all of it). Each entry holds its object, so that an id reused after the object is gone never
matches; the least recently used entry is dropped past `size`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """Per object (by identity) and a hashable rest of the key: a value."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, Hashable], tuple[object, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, owner: object, key: Hashable = None) -> V | None:
        """The value kept for `owner` and `key`, or None."""
        entry = (id(owner), key)
        found = self._kept.get(entry)
        if found is None or found[0] is not owner:
            return None
        self._kept.move_to_end(entry)
        return found[1]

    def put(self, owner: object, value: V, key: Hashable = None) -> None:
        entry = (id(owner), key)
        self._kept[entry] = (owner, value)
        self._kept.move_to_end(entry)
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
