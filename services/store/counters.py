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
from collections.abc import Iterable, Sequence
from typing import Any

from services.platform.aws import Aws
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


def move_entries(table: str, moves: dict[str, int]) -> list[dict[str, Any]]:
    """The TransactWriteItems `Update`s that apply `moves` (one per counter)."""
    return [
        {
            "Update": {
                "TableName": table,
                "Key": to_item({"counterId": key}),
                "UpdateExpression": "ADD #n :d",
                "ExpressionAttributeNames": {"#n": COUNT},
                "ExpressionAttributeValues": to_item({":d": delta}),
            }
        }
        for key, delta in sorted(moves.items())
    ]


async def read_counts(*, aws: Aws, table: str, keys: Sequence[str]) -> dict[str, int]:
    """The counts of `keys` (absent counters are 0): one BatchGetItem per 100 keys."""
    items = await batch_get(aws=aws, table=table, keys=[{"counterId": k} for k in keys])
    found = {i["counterId"]: int(i.get(COUNT, 0)) for i in items}
    return {key: found.get(key, 0) for key in keys}
