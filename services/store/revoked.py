"""The durable list of revoked users: ONE small item of the counters table.

`#revocations` holds an attribute `u:<userId>` = the epoch second up to which that user's
tokens are refused. A deactivation or sign-out writes its entry in the same
TransactWriteItems as the user's change, and prunes entries older than REVOCATION_SECONDS
(the longest token lifetime: their tokens have expired), so the item holds only revocations
of the last REVOCATION_SECONDS: at most REVOCATION_LIST_SIZE entries of about 45 bytes
(a 36-character id), far under DynamoDB's 400 KB item limit. A write that would go past
either bound is refused loudly (REVOCATION_LIST_FULL) rather than revoking nothing.

Every API process reads the item at start and then once a second (one GetItem each time,
never per request), so a revocation reaches every process within a second with or without
Redis, and survives restarts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.platform.aws import Aws
from services.platform.errors import RevocationListFull
from services.store.dynamo import get_item, to_item
from services.store.ports import StoreRuntime

KEY = {"counterId": "#revocations"}
PREFIX = "u:"
# DynamoDB refuses items over 400 KB; this leaves room for the key and rounding.
MAX_BYTES = 380 * 1024
# Expired entries removed by one write (an UpdateExpression is at most 4 KB).
_PRUNE_PER_WRITE = 300


async def read_revoked(*, aws: Aws, table: str) -> dict[str, int]:
    """userId -> revoked-up-to epoch second, as stored (one consistent GetItem, through the
    read path's client: every API process makes it once a second, busy or idle)."""
    item = await get_item(aws=aws, table=table, key=KEY, consistent=True) or {}
    return {
        name[len(PREFIX) :]: int(value)
        for name, value in item.items()
        if name.startswith(PREFIX) and isinstance(value, int | Decimal)
    }


def entry_bytes(user_id: str) -> int:
    """An entry's size as DynamoDB counts it: the attribute name plus a 10-digit number."""
    return len((PREFIX + user_id).encode()) + 7


async def revocation_entry(*, runtime: StoreRuntime, user_id: str, at: int) -> dict[str, Any]:
    """The TransactWriteItems `Update` that refuses `user_id`'s tokens issued up to `at`
    (epoch seconds) and prunes expired entries. Raises RevocationListFull past the bounds."""
    table = runtime.tables.counters
    stored = await read_revoked(aws=runtime.aws, table=table)
    horizon = at - runtime.settings.revocation_seconds
    expired = [u for u, t in stored.items() if t < horizon and u != user_id][:_PRUNE_PER_WRITE]
    kept = {u: t for u, t in stored.items() if u not in expired}
    kept[user_id] = max(at, kept.get(user_id, at))
    live = sum(1 for t in kept.values() if t >= horizon)
    size = sum(entry_bytes(u) for u in kept)
    limit = runtime.settings.revocation_list_size
    if live > limit or size > MAX_BYTES:
        raise RevocationListFull(
            f"{live} users were revoked within REVOCATION_SECONDS "
            f"({runtime.settings.revocation_seconds} s), over what the revocation list holds "
            f"(REVOCATION_LIST_SIZE {limit}, {MAX_BYTES} bytes); nothing was changed",
            revoked=live,
            maximum=limit,
        )
    names = {"#a": PREFIX + user_id} | {f"#x{i}": PREFIX + u for i, u in enumerate(expired)}
    expression = "SET #a = :at"
    if expired:
        expression += " REMOVE " + ", ".join(f"#x{i}" for i in range(len(expired)))
    return {
        "Update": {
            "TableName": table,
            "Key": to_item(KEY),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item({":at": kept[user_id]}),
        }
    }
