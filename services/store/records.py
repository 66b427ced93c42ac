"""The base of every stored record and its DynamoDB item form (camelCase attributes, as
the seeds)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any, Self, cast

# The sort value of a record with nothing to sort by: after every text (UTF-8 byte order).
SORTS_LAST = "\U0010ffff"


@cache
def camel(name: str) -> str:
    """`last_updated_by` -> `lastUpdatedBy`: item attribute names follow the seeds."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def _attributes(record_class: type) -> tuple[tuple[str, str], ...]:
    """(field, item attribute) of a record class: `fields()` builds a new tuple per call, and
    every record read ran it (tens per request)."""
    return tuple((f.name, camel(f.name)) for f in fields(record_class))


@dataclass(frozen=True, kw_only=True)
class Record:
    """Fields every item carries (DESIGN.md: audit fields and optimistic-locking version)."""

    created_at: str
    updated_at: str
    created_by: str
    last_updated_by: str
    version: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        names = _attributes(cast(type, cls))
        values = {name: item.get(attribute) for name, attribute in names}
        return cls(**cls._coerce(values))

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def counted_in(self) -> tuple[str, ...]:
        """The counters this record adds one to (services/store/counters.py); versioned
        writes move them with the record."""
        return ()

    def order_attributes(self) -> dict[str, str]:
        """Attributes the ordered-list indexes sort by (services/store/tables.py), stored with
        the record and kept current by every versioned write."""
        return {}

    def to_item(self) -> dict[str, Any]:
        names = _attributes(cast(type, type(self)))
        own = {attribute: getattr(self, name) for name, attribute in names}
        return own | self.order_attributes()
