"""One DynamoDB list read (a Query on a partition, or a Scan), built clause by clause.

`ListRequest(AUDIT_LOG, tables).on("entityId", id).where_in("ownerId", owners).request()`
is the Query on the audit log's index over `entityId`, filtered to those owners. Index names come
from the table spec; attribute names and values always go through placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from services.store.dynamo import to_item
from services.store.tables import TableNames, TableSpec


class ListRequest:
    def __init__(self, spec: TableSpec, tables: TableNames) -> None:
        self.spec = spec
        self.table = tables.of(spec)
        self._index: str | None = None
        self._partition: str | None = None
        self._key: str | None = None
        self._sort: str | None = None
        self._descending = False
        self._filters: list[str] = []
        self._names: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def _name(self, attribute: str) -> str:
        placeholder = f"#{attribute}"
        self._names[placeholder] = attribute
        return placeholder

    def _value(self, value: Any) -> str:
        placeholder = f":v{len(self._values)}"
        self._values.update(to_item({placeholder: value}))
        return placeholder

    def on(self, attribute: str, value: str, *, by: str | None = None) -> Self:
        """Read one partition: of the table when `attribute` is its partition key, else of the
        index over `attribute` — sorted by `by` when given (a sorted index). Without `on` the
        request is a Scan."""
        if self._key is not None:
            raise ValueError("a query reads one partition")
        if by is not None:
            self._index = self.spec.sorted_index(attribute, by)
            self._sort = by
        elif attribute != self.spec.hash_key:
            self._index = self.spec.index_on(attribute)
        self._partition = attribute
        self._key = f"{self._name(attribute)} = {self._value(value)}"
        return self

    def descending(self) -> Self:
        """Read the sorted index from its end (newest, Z) to its start."""
        if self._sort is None:
            raise ValueError("only a sorted read has a direction")
        self._descending = True
        return self

    def where(self, attribute: str, value: str | bool) -> Self:
        """Only items whose `attribute` is `value`."""
        self._filters.append(f"{self._name(attribute)} = {self._value(value)}")
        return self

    def where_in(self, attribute: str, values: Sequence[str]) -> Self:
        """Only items whose `attribute` is one of `values` (at least one)."""
        if not values:
            raise ValueError("IN needs at least one value")
        placeholders = ", ".join(self._value(v) for v in values)
        self._filters.append(f"{self._name(attribute)} IN ({placeholders})")
        return self

    def where_exists(self, attribute: str) -> Self:
        """Only items that have `attribute`."""
        self._filters.append(f"attribute_exists({self._name(attribute)})")
        return self

    @property
    def key_names(self) -> list[str]:
        """The attributes of a position in this read (LastEvaluatedKey), for cursors."""
        names = self.spec.key_names
        for extra in (self._partition, self._sort):
            if extra is not None and extra not in names:
                names.append(extra)
        return names

    def request(self) -> dict[str, Any]:
        """The Query (with a key condition) or Scan parameters, without Limit or start key."""
        request: dict[str, Any] = {"TableName": self.table}
        if self._index is not None:
            request["IndexName"] = self._index
        if self._key is not None:
            request["KeyConditionExpression"] = self._key
        if self._descending:
            request["ScanIndexForward"] = False
        if self._filters:
            request["FilterExpression"] = " AND ".join(self._filters)
        if self._names:
            request["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            request["ExpressionAttributeValues"] = dict(self._values)
        return request
