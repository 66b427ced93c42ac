"""The change feed behind `changes(since:)`: the audit log read in time order, and the signed
sync tokens that say how far a client has read it.

Every audit entry is written in the same TransactWriteItems as the change it records, so the
log in order (FeedIndex: one partition per UTC day, sorted by `<createdAt>#<logId>`) holds
every change exactly once. An entry's time is taken just before its transaction commits, so
an entry can become readable after a later-stamped one: the feed stops SYNC_SETTLE_SECONDS
short of now (the horizon) and a token never passes the horizon, so a late commit (up to that
long; FeedIndex, a GSI, also trails its table by a moment) is still ahead of every token —
nothing missed, nothing read twice.

A token is older than SYNC_RETENTION_SECONDS once its position is: it is refused with
SYNC_TOKEN_EXPIRED (the client reads everything again). The audit log has no TTL; one added
later must keep entries longer than SYNC_RETENTION_SECONDS + SYNC_SETTLE_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.auth.identity import Identity
from services.platform import clock
from services.platform.errors import BadInput, SyncTokenExpired
from services.platform.settings import Settings
from services.store.audit import AuditEntry
from services.store.dynamo import from_item, to_item
from services.store.list_request import ListRequest
from services.store.ports import StoreRuntime
from services.store.tables import (
    AUDIT_LOG,
    IMAGE_COLLECTIONS,
    MEDIA,
    PROFILES,
    SUBMISSIONS,
    USERS,
    TableSpec,
)

FEED_INDEX = "FeedIndex"
LEFT_INDEX = "LeftManagerIdFeedIndex"
# Everything a person owns, each table read as one partition by `userId`: re-sent whole when
# the person joins or leaves the viewer's team.
OWNED: tuple[TableSpec, ...] = (USERS, PROFILES, SUBMISSIONS, MEDIA, IMAGE_COLLECTIONS)


@dataclass(frozen=True)
class Expansion:
    """All of one person's things, being re-sent: whose, the feed entry that asked for it
    (the position once done), which `OWNED` table and the last key read in it."""

    owner_id: str
    entry: str
    source: int = 0
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class SyncPosition:
    """Where a client is: every entry up to `after` (a feed order or a day) is delivered.
    `role` is the viewer's role when the client started: another role sees another set."""

    after: str
    role: str
    expansion: Expansion | None = None


@dataclass(frozen=True)
class FeedChunk:
    entries: list[AuditEntry]
    # The position once every entry here is taken, and whether that reaches the horizon.
    resume: str
    complete: bool


@dataclass(frozen=True)
class OwnedChunk:
    items: list[dict[str, Any]] = field(default_factory=list)
    after: dict[str, Any] | None = None  # the last key read, when the table has more


def horizon(settings: Settings) -> str:
    """The feed position a read may go up to (not inclusive of entries stamped at it)."""
    moment = clock.now() - timedelta(seconds=settings.sync_settle_seconds)
    return f"{clock.iso(moment)}#"


def _scope(identity: Identity) -> str:
    # A token is the viewer's own: replayed by someone else it is refused.
    return f"sync:{identity.user_id}"


def encode_token(*, runtime: StoreRuntime, identity: Identity, position: SyncPosition) -> str:
    body: dict[str, Any] = {"a": position.after, "r": position.role}
    if (x := position.expansion) is not None:
        body["x"] = {"o": x.owner_id, "e": x.entry, "s": x.source, "k": x.after}
    return runtime.cursors.encode(scope=_scope(identity), key=body)


def _moment(after: str) -> datetime:
    stamp = after.split("#", 1)[0]
    if len(stamp) == 10:
        return datetime.combine(date.fromisoformat(stamp), datetime.min.time(), tzinfo=UTC)
    return datetime.fromisoformat(stamp)


def decode_token(*, runtime: StoreRuntime, identity: Identity, token: str) -> SyncPosition:
    """The position in `token`: BAD_USER_INPUT when forged, malformed or someone else's;
    SYNC_TOKEN_EXPIRED when older than the retention or issued for another role."""
    try:
        body = runtime.cursors.decode(token, scope=_scope(identity))
    except BadInput:
        raise BadInput("invalid sync token", field="since") from None
    assert body is not None
    try:
        after, role = str(body["a"]), str(body["r"])
        moment = _moment(after)
        x = body.get("x")
        expansion = (
            Expansion(owner_id=str(x["o"]), entry=str(x["e"]), source=int(x["s"]), after=x["k"])
            if x
            else None
        )
    except (KeyError, ValueError, TypeError):
        raise BadInput("invalid sync token", field="since") from None
    age = clock.now() - moment
    if age > timedelta(seconds=runtime.settings.sync_retention_seconds):
        raise SyncTokenExpired(
            "this sync token is older than the retention: read everything again, then sync "
            "from a new token",
            retentionSeconds=runtime.settings.sync_retention_seconds,
        )
    if role != identity.role.value:
        raise SyncTokenExpired(
            "your role changed since this sync token: read everything again, then sync from a "
            "new token"
        )
    return SyncPosition(after=after, role=role, expansion=expansion)


def _between(request: dict[str, Any], after: str, before: str) -> None:
    """Only feed orders from `after` to `before` (both included) in a sorted-index Query."""
    request["KeyConditionExpression"] += " AND #feedOrder BETWEEN :after AND :before"
    request["ExpressionAttributeNames"]["#feedOrder"] = "feedOrder"
    request["ExpressionAttributeValues"].update(to_item({":after": after, ":before": before}))


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


async def read_feed(*, runtime: StoreRuntime, after: str, before: str, limit: int) -> FeedChunk:
    """Up to `limit` entries after `after` and before `before`, in order: one Query of one
    day's partition (an empty day moves the position to the next day)."""
    if after >= before:
        return FeedChunk(entries=[], resume=after, complete=True)
    day = after[:10]
    query = ListRequest(AUDIT_LOG, runtime.tables).on("feedDay", day, by="feedOrder")
    request = query.request()
    _between(request, after, before)
    response = await runtime.aws.dynamodb.query(**request, Limit=limit + 1)
    # BETWEEN includes `after` itself: the entry there was delivered already.
    items = [from_item(i) for i in response.get("Items", [])]
    entries = [AuditEntry.from_item(i) for i in items if i["feedOrder"] != after][:limit]
    if response.get("LastEvaluatedKey") or len(entries) == limit:
        return FeedChunk(
            entries=entries, resume=entries[-1].feed_order if entries else after, complete=False
        )
    if day < before[:10]:
        return FeedChunk(entries=entries, resume=_next_day(day), complete=False)
    return FeedChunk(entries=entries, resume=before, complete=True)


async def departures(
    *, runtime: StoreRuntime, manager_id: str, after: str, before: str
) -> dict[str, list[str]]:
    """Who left `manager_id`'s team between `after` and `before`: person -> feed orders."""
    left: dict[str, list[str]] = {}
    if after >= before:
        return left
    query = ListRequest(AUDIT_LOG, runtime.tables).on("leftManagerId", manager_id, by="feedOrder")
    request = query.request()
    _between(request, after, before)
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        response = await runtime.aws.dynamodb.query(**request, **extra)
        for item in map(from_item, response.get("Items", [])):
            if item.get("ownerId"):
                left.setdefault(item["ownerId"], []).append(item["feedOrder"])
        start = response.get("LastEvaluatedKey")
        if not start:
            return left


async def owned_items(
    *, runtime: StoreRuntime, owner_id: str, source: int, after: dict[str, Any] | None, limit: int
) -> OwnedChunk:
    """Up to `limit` items of `owner_id` in the `OWNED[source]` table: one Query."""
    spec = OWNED[source]
    query = ListRequest(spec, runtime.tables).on("userId", owner_id)
    extra = {"ExclusiveStartKey": to_item(after)} if after else {}
    response = await runtime.aws.dynamodb.query(**query.request(), Limit=limit, **extra)
    last = response.get("LastEvaluatedKey")
    return OwnedChunk(
        items=[from_item(i) for i in response.get("Items", [])],
        after=from_item(last) if last else None,
    )
