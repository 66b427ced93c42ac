"""Global object identification (Relay `node` / `nodes`): any id the API issues, read with
one BatchGetItem across the tables for a whole list, then checked as each type's own query.

Ids are as they always were: UUIDs (unique across the tables) and `<userId>:<collectionId>`
for image collections. An id that is unknown, malformed or not readable by the caller gets
the same NOT_FOUND, so an answer never tells which table holds an id or that it exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from services.media.records import ImageCollection, Media
from services.people.records import Profile, User
from services.platform.errors import BadInput, NotFound
from services.runtime.wiring import Runtime
from services.store.audit import AuditEntry
from services.store.dynamo import Item, Key, batch_get_across, table_key
from services.store.records import Record
from services.submissions.records import Submission

if TYPE_CHECKING:
    # The context holds the loaders, which read nodes with `fetch_nodes` below.
    from resolvers.context import RequestContext

Node = User | Profile | Submission | Media | ImageCollection | AuditEntry
_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def _candidates(runtime: Runtime, node_id: str) -> list[tuple[str, Key, type[Record]]]:
    """Where an object with `node_id` may be stored: (table, key, record type)."""
    t = runtime.tables
    owner, sep, own_id = node_id.partition(":")
    if sep:
        if _ID.fullmatch(owner) and _ID.fullmatch(own_id):
            return [
                (t.image_collections, {"userId": owner, "collectionId": own_id}, ImageCollection)
            ]
        return []
    if not _ID.fullmatch(node_id):
        return []
    return [
        (t.users, {"userId": node_id}, User),
        (t.profiles, {"profileId": node_id}, Profile),
        (t.submissions, {"submissionId": node_id}, Submission),
        (t.media, {"mediaId": node_id}, Media),
        (t.audit_log, {"logId": node_id}, AuditEntry),
    ]


def record_of(kind: type[Record], item: Item) -> Node | None:
    """The record of an item read from `kind`'s table (None: not one of them)."""
    if kind is User and "profileId" not in item:
        return None  # a bare item the admin API wrote: not a user (as `user(id:)`)
    record: Any = kind.from_item(item)
    return record  # type: ignore[no-any-return]


async def fetch_nodes(runtime: Runtime, ids: Sequence[str]) -> dict[str, Node]:
    """Records by id from every table that may hold them; missing ids are absent."""
    wanted = {i: _candidates(runtime, i) for i in dict.fromkeys(ids)}
    found = await batch_get_across(
        aws=runtime.aws, keys=[(table, key) for c in wanted.values() for table, key, _ in c]
    )
    result: dict[str, Node] = {}
    for node_id, candidates in wanted.items():
        for table, key, kind in candidates:
            item = found.get(table_key(table, key))
            record = record_of(kind, item) if item is not None else None
            if record is not None:
                result[node_id] = record
                break
    return result


async def readable(ctx: RequestContext, record: Node) -> bool:
    viewer = ctx.viewer
    match record:
        case User():
            return await viewer.can_read_person(record)
        case Profile():
            owner = await ctx.loaders.user.load(record.user_id)
            return owner is not None and await viewer.can_read_person(owner)
        case Submission() | Media() | ImageCollection():
            return await viewer.can_read_owned(record.user_id)
        case AuditEntry():
            # As auditLog: entries about what the caller may read, or by whom they may read.
            return (
                record.owner_id is not None and await viewer.can_read_owned(record.owner_id)
            ) or await viewer.can_read_owned(record.user_id)


def _not_found(node_id: str) -> NotFound:
    return NotFound("no object with this id that you may read", id=node_id[:128])


async def node(ctx: RequestContext, node_id: str) -> Node:
    """The object with `node_id`, or NOT_FOUND (unknown, malformed or not readable alike)."""
    ctx.viewer.require()
    found = await ctx.loaders.node.load(node_id)
    if found is None or not await readable(ctx, found):
        raise _not_found(node_id)
    return found


async def nodes(ctx: RequestContext, node_ids: Sequence[str]) -> list[Node | NotFound]:
    """Each id's object, or its NOT_FOUND error in its place (one BatchGetItem per 100 keys
    across the tables for the whole list, through the request's node loader)."""
    ctx.viewer.require()
    limit = ctx.runtime.settings.page_size_max
    if len(node_ids) > limit:
        raise BadInput(f"ask for at most {limit} ids at a time", field="ids")
    found = await ctx.loaders.node.load_many(list(node_ids))
    return [
        record if record is not None and await readable(ctx, record) else _not_found(node_id)
        for node_id, record in zip(node_ids, found, strict=True)
    ]
