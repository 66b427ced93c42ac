"""Counters for data written before they existed (`prework init`), and a full recount.

Versioned writes keep the counters (services/store/counters.py) from the moment they exist;
what was stored before is counted here once, by scanning the tables, and a marker item
says it was done, so `init` stays idempotent and cheap. Run it before the version that
writes counters takes traffic (`prework init`, then roll out), or again with `--recount`
after writing items by hand (the seed-003 admin table API writes raw items: only its writes
to the users table move their counters, services/admin/lockout.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from services.media import ImageCollection, Media
from services.people import Profile, User
from services.platform import clock
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.counters import COUNT
from services.store.dynamo import Item, from_item, to_item
from services.store.records import Record
from services.store.tables import COUNTERS, IMAGE_COLLECTIONS, MEDIA, PROFILES, SUBMISSIONS, USERS
from services.submissions import Submission

# The counters that say they were built (not a count; `counterId` can hold no such list key).
MARKER = "#built"
COUNTED: tuple[tuple[str, type[Record]], ...] = (
    (USERS.entity, User),
    (PROFILES.entity, Profile),
    (SUBMISSIONS.entity, Submission),
    (MEDIA.entity, Media),
    (IMAGE_COLLECTIONS.entity, ImageCollection),
)
_WRITE_BATCH = 25


async def scan_all(*, aws: Aws, table: str) -> AsyncIterator[Item]:
    """Every item of `table`, page by page."""
    start: dict[str, Any] | None = None
    while True:
        request: dict[str, Any] = {"TableName": table}
        if start:
            request["ExclusiveStartKey"] = start
        response = await aws.dynamodb.scan(**request)
        for raw in response.get("Items", []):
            yield from_item(raw)
        start = response.get("LastEvaluatedKey")
        if not start:
            return


def parse_record(kind: type[Record], item: Item) -> Record | None:
    if kind is User and "profileId" not in item:
        return None  # a bare item the admin API wrote: the user lists leave it out too
    try:
        return kind.from_item(item)
    except (KeyError, TypeError, ValueError):
        return None  # not a record this service wrote: no list shows it


async def recount(*, aws: Aws, settings: Settings) -> dict[str, int]:
    """Every counter as the stored records make it (a full scan of the counted tables)."""
    tally: Counter[str] = Counter()
    for entity, kind in COUNTED:
        async for item in scan_all(aws=aws, table=settings.table(entity)):
            record = parse_record(kind, item)
            if record is not None:
                tally.update(record.counted_in())
    return dict(tally)


async def stored_counts(*, aws: Aws, settings: Settings) -> dict[str, int]:
    """The counters as stored (zero counters left out)."""
    found: dict[str, int] = {}
    async for item in scan_all(aws=aws, table=settings.table(COUNTERS.entity)):
        if item["counterId"] != MARKER and int(item.get(COUNT, 0)):
            found[item["counterId"]] = int(item[COUNT])
    return found


async def build_counters(*, aws: Aws, settings: Settings, force: bool = False) -> bool:
    """Count what is stored into the counters unless that was done (or `force`).

    Returns whether it counted. Counters no record supports any more are set to 0.
    """
    table = settings.table(COUNTERS.entity)
    if not force:
        marker = await aws.dynamodb.get_item(
            TableName=table, Key=to_item({"counterId": MARKER}), ConsistentRead=True
        )
        if "Item" in marker:
            return False
    counts = await recount(aws=aws, settings=settings)
    stale = await stored_counts(aws=aws, settings=settings)
    wanted = {key: 0 for key in stale} | counts
    items = [{"counterId": key, COUNT: n} for key, n in sorted(wanted.items())]
    items.append({"counterId": MARKER, "at": clock.now_iso()})
    for i in range(0, len(items), _WRITE_BATCH):
        request = {
            table: [{"PutRequest": {"Item": to_item(x)}} for x in items[i : i + _WRITE_BATCH]]
        }
        while request:
            response = await aws.dynamodb.batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or {}
            if request:
                await asyncio.sleep(0.05)
    return True
