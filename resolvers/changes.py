"""One page of `changes(since:)`: what the viewer may see that changed since a sync token.

The feed (services/store/feed.py) names what changed; each named thing is read now and sent
whole when the viewer may read it (the same check as `node`), or as a tombstone (id and type)
when it is gone or no longer theirs. Sending the current state makes replay order-free: a
thing changed again later is named again by a later entry.

Who is concerned by an entry: an admin by every one; anyone by their own things'; a manager by
their team's, and by a person who left their team after the entry (its deletions were theirs to
see); anyone by their own manager's person (user and profile). A person joining or leaving the
viewer's team re-sends everything that person owns (an expansion, paged like the feed).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from typing import Any

from resolvers.context import RequestContext
from resolvers.nodes import Node, readable, record_of
from services.auth.identity import Identity
from services.media import collections
from services.media.records import ImageCollection, Media
from services.people.records import Profile, User
from services.store import feed
from services.store.audit import AuditEntry
from services.store.pagination import check_first
from services.store.records import SORTS_LAST
from services.submissions.records import Submission

# Feed and expansion Queries one page may take (docs/limits.md: the field's weight).
QUERIES_PER_PAGE = 8
OWNED_RECORDS: tuple[type[User | Profile | Submission | Media | ImageCollection], ...] = (
    User,
    Profile,
    Submission,
    Media,
    ImageCollection,
)
TYPES = {kind.__name__ for kind in OWNED_RECORDS}


@dataclass(frozen=True)
class Tombstone:
    id: str
    type: str


@dataclass(frozen=True)
class ChangePage:
    upserts: list[Node]
    tombstones: list[Tombstone]
    token: str
    has_more: bool


def node_ref(record: Node) -> Tombstone:
    """The GraphQL type and id of a record (what a tombstone of it says)."""
    match record:
        case User():
            return Tombstone(record.user_id, "User")
        case Profile():
            return Tombstone(record.profile_id, "Profile")
        case Submission():
            return Tombstone(record.submission_id, "Submission")
        case Media():
            return Tombstone(record.media_id, "Media")
        case ImageCollection():
            return Tombstone(collections.public_id(record), "ImageCollection")
        case AuditEntry():
            return Tombstone(record.log_id, "AuditEntry")


def _moved_manager(entry: AuditEntry) -> tuple[str | None, str | None] | None:
    """A profile entry's managerId change (from, to), if it has one."""
    if entry.entity_type != "Profile" or not entry.changes:
        return None
    change = json.loads(entry.changes).get("managerId")
    if not isinstance(change, dict):
        return None
    return change.get("from"), change.get("to")


@dataclass
class _Collected:
    # person (user id) -> may their user and profile be tombstoned when not readable
    people: dict[str, bool] = field(default_factory=dict)
    # (type, id) -> may it be tombstoned when gone or not readable
    things: dict[tuple[str, str], bool] = field(default_factory=dict)
    loaded: list[Node] = field(default_factory=list)  # read whole by expansions

    @property
    def size(self) -> int:
        return 2 * len(self.people) + len(self.things) + len(self.loaded)

    def touch(self, entry: AuditEntry, *, tombstone: bool) -> None:
        if entry.entity_type in ("User", "Profile"):
            if entry.owner_id:
                self.person(entry.owner_id, tombstone=tombstone)
        else:
            key = (entry.entity_type, entry.entity_id)
            self.things[key] = self.things.get(key, False) or tombstone

    def person(self, user_id: str, *, tombstone: bool) -> None:
        self.people[user_id] = self.people.get(user_id, False) or tombstone


@dataclass
class _Scope:
    """What concerns the viewer: who they are, their manager, their team now (each owner's
    user record, read a chunk at a time), who left the team."""

    ctx: RequestContext
    identity: Identity
    start: str
    manager_id: str | None
    _left: dict[str, list[str]] | None = None

    @classmethod
    async def of(cls, ctx: RequestContext, identity: Identity, start: str) -> _Scope:
        own = await ctx.viewer.own_record()
        return cls(ctx, identity, start, own.manager_id if own else None)

    async def prepare(self, entries: list[AuditEntry]) -> None:
        """Read the owners of a chunk's entries together (one BatchGetItem): whether each is
        on the viewer's team is then answered from the request's user loader."""
        if self.identity.is_manager and not self.identity.is_admin:
            await self.ctx.loaders.user.load_many(list({e.owner_id for e in entries if e.owner_id}))

    async def left_after(self, owner_id: str, order: str) -> bool:
        """Whether `owner_id` left the viewer's team after the entry at `order` (read once).
        Read up to now, past the horizon: a person whose user record already shows the move
        may have left in an entry the feed has not reached yet."""
        if not self.identity.is_manager or self.identity.is_admin:
            return False
        if self._left is None:
            self._left = await feed.departures(
                runtime=self.ctx.runtime,
                manager_id=self.identity.user_id,
                after=self.start,
                before=SORTS_LAST,
            )
        return any(at > order for at in self._left.get(owner_id, ()))

    async def take(self, entry: AuditEntry, into: _Collected) -> str | None:
        """Record what `entry` concerns the viewer with; a person to expand, if any."""
        me, owner = self.identity.user_id, entry.owner_id
        if entry.entity_type not in TYPES or owner is None:
            return None
        if self.identity.is_admin:
            into.touch(entry, tombstone=True)
            return None
        moved = _moved_manager(entry)
        if moved is not None and me in moved and owner != me and self.identity.is_manager:
            return owner  # joined or left the viewer's team: everything they own
        if owner == me:
            into.touch(entry, tombstone=True)
            for manager in moved or ():
                if manager:
                    into.person(manager, tombstone=True)
        elif await self.ctx.viewer.manages(owner) or await self.left_after(owner, entry.feed_order):
            into.touch(entry, tombstone=True)
        elif owner == self.manager_id and entry.entity_type in ("User", "Profile"):
            into.touch(entry, tombstone=False)
        return None


async def _collect(
    ctx: RequestContext, position: feed.SyncPosition, before: str, first: int
) -> tuple[_Collected, feed.SyncPosition, bool]:
    """Walk the feed (and expansions) from `position` until `first` things are named, the
    horizon is reached or the page's Queries are spent: what was named, the new position, and
    whether the horizon was reached."""
    identity = ctx.viewer.require()
    scope = await _Scope.of(ctx, identity, position.after)
    out = _Collected()
    after, expansion = position.after, position.expansion
    queries = 0
    complete = False
    while out.size < first and queries < QUERIES_PER_PAGE:
        queries += 1
        if expansion is not None:
            chunk = await feed.owned_items(
                runtime=ctx.runtime,
                owner_id=expansion.owner_id,
                source=expansion.source,
                after=expansion.after,
                limit=max(1, first - out.size),
            )
            kind = OWNED_RECORDS[expansion.source]
            out.loaded += [r for r in (record_of(kind, i) for i in chunk.items) if r]
            if chunk.after is not None:
                expansion = replace(expansion, after=chunk.after)
            elif expansion.source + 1 < len(feed.OWNED):
                expansion = replace(expansion, source=expansion.source + 1, after=None)
            else:
                after, expansion = expansion.entry, None
            continue
        read = await feed.read_feed(
            runtime=ctx.runtime, after=after, before=before, limit=max(1, first - out.size)
        )
        await scope.prepare(read.entries)
        for entry in read.entries:
            if out.size >= first:
                break
            person = await scope.take(entry, out)
            if person is not None:
                expansion = feed.Expansion(owner_id=person, entry=entry.feed_order)
                break
            after = entry.feed_order
        else:
            after, complete = read.resume, read.complete
        if complete:
            break
    return out, feed.SyncPosition(after=after, role=position.role, expansion=expansion), complete


async def _resolve(ctx: RequestContext, named: _Collected) -> tuple[list[Node], list[Tombstone]]:
    """Each named thing now: whole when readable, else a tombstone where one may be sent.
    Loads go out together (the request's DataLoaders batch them): users and things, then
    profiles, then the access checks' owners."""
    loaders = ctx.loaders
    by_type: dict[str, Any] = {
        "Submission": loaders.submission,
        "Media": loaders.media,
        "ImageCollection": loaders.node,
    }
    people, things = list(named.people), list(named.things)
    users, found = await asyncio.gather(
        loaders.user.load_many(people),
        asyncio.gather(*(by_type[kind].load(thing_id) for kind, thing_id in things)),
    )
    profiles = await loaders.profile.load_many([u.profile_id for u in users if u is not None])
    profile_of = {p.user_id: p for p in profiles if p is not None}
    candidates: list[tuple[Node | None, Tombstone, bool]] = []
    for user_id, user in zip(people, users, strict=True):
        tombstone = named.people[user_id]
        candidates.append((user, Tombstone(user_id, "User"), tombstone))
        if user is not None:
            profile = profile_of.get(user_id)
            candidates.append((profile, Tombstone(user.profile_id, "Profile"), tombstone))
    for (kind, thing_id), record in zip(things, found, strict=True):
        candidates.append((record, Tombstone(thing_id, kind), named.things[(kind, thing_id)]))
    candidates += [(record, node_ref(record), True) for record in named.loaded]

    async def check(record: Node | None) -> bool:
        return record is not None and await readable(ctx, record)

    allowed = await asyncio.gather(*(check(record) for record, _, _ in candidates))
    upserts: dict[str, Node] = {}
    tombstones: dict[str, Tombstone] = {}
    for (record, ref, may_tombstone), ok in zip(candidates, allowed, strict=True):
        if ok and record is not None:
            upserts[ref.id] = record
            tombstones.pop(ref.id, None)
        elif may_tombstone and ref.id not in upserts:
            tombstones[ref.id] = ref
    return list(upserts.values()), list(tombstones.values())


async def changes(ctx: RequestContext, *, since: str | None, first: int) -> ChangePage:
    """Up to about `first` changes since the token `since` (none with `since` null: the
    token of now, to take before a full read), a token to go on from, and whether more are
    waiting already."""
    identity = ctx.viewer.require()
    runtime = ctx.runtime
    check_first(first, maximum=runtime.settings.page_size_max)
    before = feed.horizon(runtime.settings)
    if since is None:
        start = feed.SyncPosition(after=before, role=identity.role.value)
        token = feed.encode_token(runtime=runtime, identity=identity, position=start)
        return ChangePage(upserts=[], tombstones=[], token=token, has_more=False)
    position = feed.decode_token(runtime=runtime, identity=identity, token=since)
    named, position, complete = await _collect(ctx, position, before, first)
    upserts, tombstones = await _resolve(ctx, named)
    token = feed.encode_token(runtime=runtime, identity=identity, position=position)
    return ChangePage(upserts=upserts, tombstones=tombstones, token=token, has_more=not complete)
