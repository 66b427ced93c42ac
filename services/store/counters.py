"""Exact list sizes (`totalCount`) read in O(1), never by scanning.

Each record says which counters it belongs to (`Record.counted_in`, e.g. a DRAFT submission
of user u: `submissions:user:u:DRAFT` and `submissions:status:DRAFT`). Every versioned write
(services/store/versioned.py) moves the counters its change moves — `ADD n :delta` in the same
TransactWriteItems as the change, under the change's version condition — so a count moves
exactly when what it counts does, and concurrent writers cannot drift it (ADD is atomic; a
write that loses its condition moves nothing). A list's size is the sum of a few counters,
read with one BatchGetItem (a missing counter is 0).

`prework init` builds the counters of data written before they existed (`recount`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.platform.aws import Aws
from services.platform.errors import ServiceError
from services.store.dynamo import batch_get, to_item

COUNT = "n"


def deltas(*, before: Iterable[str] = (), after: Iterable[str] = ()) -> dict[str, int]:
    """How each counter moves when a record counted in `before` becomes one counted in
    `after` (a create has no `before`, a delete no `after`); unmoved counters are left out."""
    moved: Counter[str] = Counter(after)
    moved.subtract(Counter(before))
    return {key: n for key, n in moved.items() if n}


def merge(*moves: dict[str, int]) -> dict[str, int]:
    """Several changes' moves as one (a transaction may touch a counter only once)."""
    total: Counter[str] = Counter()
    for move in moves:
        total.update(move)
    return {key: n for key, n in total.items() if n}


@dataclass(frozen=True)
class Floor:
    """A count a write may not take a counter below: the write's transaction carries the
    condition, so concurrent writers cannot pass it together. A missing counter fails the
    condition too (refusing is the safe side; `prework init` builds missing counters)."""

    minimum: int
    refusal: Callable[[], ServiceError]


def move_entries(
    table: str, moves: dict[str, int], floors: Mapping[str, Floor] | None = None
) -> list[dict[str, Any]]:
    """The TransactWriteItems `Update`s that apply `moves` (one per counter); a move down of
    a counter in `floors` is conditional on the count staying at or above its minimum."""
    entries = []
    for key, delta in sorted(moves.items()):
        update: dict[str, Any] = {
            "TableName": table,
            "Key": to_item({"counterId": key}),
            "UpdateExpression": "ADD #n :d",
            "ExpressionAttributeNames": {"#n": COUNT},
            "ExpressionAttributeValues": to_item({":d": delta}),
        }
        floor = (floors or {}).get(key)
        if floor is not None and delta < 0:
            update["ConditionExpression"] = "#n >= :least"
            update["ExpressionAttributeValues"] = to_item(
                {":d": delta, ":least": floor.minimum - delta}
            )
        entries.append({"Update": update})
    return entries


def refusals(
    items: Sequence[dict[str, Any]], floors: Mapping[str, Floor] | None
) -> dict[int, Callable[[], ServiceError]]:
    """Which of a transaction's `items` are floor conditions, with the error each raises
    when its condition cancels the transaction (for `dynamo.transact`)."""
    found = {}
    for i, item in enumerate(items):
        update = item.get("Update", {})
        if "ConditionExpression" not in update or not floors:
            continue
        key = update["Key"].get("counterId", {}).get("S")
        if key in floors and update["ConditionExpression"] == "#n >= :least":
            found[i] = floors[key].refusal
    return found


async def read_counts(*, aws: Aws, table: str, keys: Sequence[str]) -> dict[str, int]:
    """The counts of `keys` (absent counters are 0): one BatchGetItem per 100 keys."""
    items = await batch_get(aws=aws, table=table, keys=[{"counterId": k} for k in keys])
    found = {i["counterId"]: int(i.get(COUNT, 0)) for i in items}
    return {key: found.get(key, 0) for key in keys}
