"""The change feed: audit entries in time order across day partitions, the attributes that
index them, and sync tokens (signed, the viewer's own, refused when old or of another role)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from services.auth.identity import Identity, Role
from services.platform import clock
from services.platform.errors import BadInput, SyncTokenExpired
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope
from services.store import audit, feed
from services.store.dynamo import transact
from tests.support import processes

ACTOR = Identity(user_id="actor", username="actor")
VIEWER = Identity(user_id="viewer", username="viewer")


@pytest.fixture(scope="module")
def feed_settings(settings: Settings) -> Iterator[Settings]:
    # A deployment of its own: its audit log holds only what these tests write.
    yield processes.side_deployment(settings, "feed", cognito_user_pool_id=None)


def _entry(at: str, *, changes: dict[str, tuple[object, object]] | None = None) -> audit.AuditEntry:
    return audit.entry(
        actor=ACTOR,
        entity_type="Profile",
        entity_id="p",
        action="UPDATE",
        owner_id="someone",
        changes=changes,
        at=at,
    )


async def _store(runtime: Runtime, *entries: audit.AuditEntry) -> None:
    for e in entries:
        await transact(aws=runtime.aws, items=[audit.put_entry(runtime.tables.audit_log, e)])


def test_the_feed_reads_every_entry_once_in_order_across_days(feed_settings: Settings) -> None:
    async def scenario() -> None:
        async with RuntimeScope(feed_settings) as runtime:
            # given entries three days ago, yesterday and now (none two days ago)
            now = clock.now()
            stamps = [now - timedelta(days=3), now - timedelta(days=1), now - timedelta(seconds=1)]
            written = [_entry(clock.iso(s)) for s in stamps for _ in range(2)]
            await _store(runtime, *written)
            # when the feed is read two at a time from four days ago up to now
            after, before = clock.iso(now - timedelta(days=4))[:10], f"{clock.now_iso()}#"
            read, queries = [], 0
            while True:
                chunk = await feed.read_feed(runtime=runtime, after=after, before=before, limit=2)
                queries += 1
                read += chunk.entries
                after = chunk.resume
                if chunk.complete:
                    break
            # then every entry comes once, in time order, with a query per day and per page
            in_order = sorted(written, key=lambda e: e.feed_order)  # same time: by log id
            assert [e.log_id for e in read] == [e.log_id for e in in_order]
            assert after == before
            assert queries <= 5 + len(written) // 2

    asyncio.run(scenario())


def test_an_entry_names_the_manager_whose_team_it_left() -> None:
    # given profile changes: off a team, onto one, and of something else
    left = _entry(clock.now_iso(), changes={"managerId": ("m1", "m2")})
    joined = _entry(clock.now_iso(), changes={"managerId": (None, "m2")})
    other = _entry(clock.now_iso(), changes={"jobTitle": ("a", "b")})
    # then only the first names a manager left, and every entry has its feed attributes
    assert (left.left_manager_id, joined.left_manager_id, other.left_manager_id) == (
        "m1",
        None,
        None,
    )
    item = left.to_item()
    assert item["feedDay"] == left.created_at[:10]
    assert item["feedOrder"] == f"{left.created_at}#{left.log_id}"


def test_departures_are_read_by_manager(feed_settings: Settings) -> None:
    async def scenario() -> None:
        async with RuntimeScope(feed_settings) as runtime:
            # given a person moved off manager m-dep's team, and another joining it
            start = f"{clock.now_iso()}#"
            gone = _entry(clock.now_iso(), changes={"managerId": ("m-dep", None)})
            came = _entry(clock.now_iso(), changes={"managerId": (None, "m-dep")})
            await _store(runtime, gone, came)
            # when m-dep's departures are read
            left = await feed.departures(
                runtime=runtime, manager_id="m-dep", after=start, before=f"{clock.now_iso()}#z"
            )
            # then only the one who left is there, at the entry's place
            assert left == {"someone": [gone.feed_order]}

    asyncio.run(scenario())


def test_tokens_are_signed_the_viewers_own_and_refused_when_old(feed_settings: Settings) -> None:
    async def scenario() -> None:
        async with RuntimeScope(feed_settings) as runtime:
            # given a token with an expansion in progress
            position = feed.SyncPosition(
                after=f"{clock.now_iso()}#x",
                role="USER",
                expansion=feed.Expansion("o", "e", source=2, after={"mediaId": "m"}),
            )
            token = feed.encode_token(runtime=runtime, identity=VIEWER, position=position)
            # then it decodes to the same position for its viewer only, and not when changed
            assert feed.decode_token(runtime=runtime, identity=VIEWER, token=token) == position
            with pytest.raises(BadInput):
                feed.decode_token(runtime=runtime, identity=ACTOR, token=token)
            with pytest.raises(BadInput):
                feed.decode_token(runtime=runtime, identity=VIEWER, token=token[:-3] + "abc")
            # and a token older than the retention, or of another role, is expired
            old = clock.now() - timedelta(seconds=feed_settings.sync_retention_seconds + 1)
            for after, role in ((clock.iso(old) + "#", "USER"), (clock.now_iso() + "#", "ADMIN")):
                stale = feed.encode_token(
                    runtime=runtime, identity=VIEWER, position=feed.SyncPosition(after, role)
                )
                with pytest.raises(SyncTokenExpired):
                    feed.decode_token(runtime=runtime, identity=VIEWER, token=stale)
            assert VIEWER.role is Role.USER

    asyncio.run(scenario())


def test_the_horizon_stays_the_settle_window_behind_now(settings: Settings) -> None:
    # given a settle window of 5 s
    own = settings.model_copy(update={"sync_settle_seconds": 5.0})
    # when the horizon is taken
    before = clock.now()
    horizon = feed.horizon(own)
    # then it is 5 s before now, just past every entry stamped earlier
    assert horizon.endswith("#")
    assert clock.iso(before - timedelta(seconds=5)) <= horizon[:-1] < clock.iso(before)
