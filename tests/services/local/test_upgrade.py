"""`prework init` on tables the previous version made: it adds the sorted indexes (UpdateTable)
and the records' sort values, and the counters table with the counts of the data already
stored, once (idempotent); `--recount` counts again."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from services.auth.identity import Role
from services.local import provisioning
from services.local.counting import build_counters, recount, stored_counts
from services.media import ImageCollection, Media
from services.media.records import MediaKind, MediaStatus
from services.people import Profile, User
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.dynamo import to_item
from services.store.records import Record
from services.store.tables import ALL_TABLES, COUNTERS
from services.submissions import Submission, SubmissionStatus
from tests.support.clients import boto

META = {
    "created_at": "2026-01-01T00:00:00+00:00",
    "updated_at": "2026-01-01T00:00:00+00:00",
    "created_by": "old",
    "last_updated_by": "old",
    "version": 1,
}


def _old_data() -> list[tuple[str, Record]]:
    """What the previous version stored: two people on m's team, their work and uploads."""
    people: list[tuple[str, Record]] = [
        ("users", User(user_id="m", email="m@x.io", username="m", role=Role.MANAGER,
                       is_active=True, profile_id="pm", **META)),
        ("users", User(user_id="a", email="a@x.io", username="a", role=Role.USER,
                       is_active=True, profile_id="pa", manager_id="m", **META)),
        ("users", User(user_id="b", email="b@x.io", username="b", role=Role.USER,
                       is_active=False, profile_id="pb", manager_id="m", **META)),
        ("profiles", Profile(profile_id="pm", user_id="m", **META)),
        ("profiles", Profile(profile_id="pa", user_id="a", manager_id="m",
                             last_name="Able", **META)),
        ("profiles", Profile(profile_id="pb", user_id="b", manager_id="m",
                             last_name="Baker", **META)),
    ]  # fmt: skip
    work: list[tuple[str, Record]] = [
        ("submissions", Submission(submission_id=f"s{i}", user_id="a", title=f"t{i}",
                                   status=status, **META))
        for i, status in enumerate([SubmissionStatus.DRAFT, SubmissionStatus.DRAFT,
                                    SubmissionStatus.APPROVED])
    ]  # fmt: skip
    uploads: list[tuple[str, Record]] = [
        ("media", Media(media_id=f"md{i}", user_id="a", kind=MediaKind.IMAGE, status=status,
                        filename="f.jpg", content_type="image/jpeg", size=1, bucket="b",
                        original_key="k", submission_id="s0" if i == 0 else None, **META))
        for i, status in enumerate([MediaStatus.READY, MediaStatus.FAILED, MediaStatus.READY])
    ]  # fmt: skip
    sets: list[tuple[str, Record]] = [
        ("image-collections", ImageCollection(user_id="a", collection_id="c1", name="n",
                                              media_ids=["md0"], **META)),
    ]  # fmt: skip
    return people + work + uploads + sets


EXPECTED = {
    "users:role:MANAGER:active": 1,
    "users:role:USER:active": 1,
    "users:role:USER:inactive": 1,
    "team:m": 2,
    "submissions:user:a": 3,
    "submissions:user:a:DRAFT": 2,
    "submissions:user:a:APPROVED": 1,
    "submissions:status:DRAFT": 2,
    "submissions:status:APPROVED": 1,
    "media:user:a": 3,
    "media:user:a:IMAGE:READY": 2,
    "media:user:a:IMAGE:FAILED": 1,
    "media:submission:s0": 1,
    "collections:user:a": 1,
}


async def _previous_version(settings: Settings) -> None:
    """Its tables: no counters table, no sorted indexes."""
    async with Aws(settings) as aws:
        for spec in ALL_TABLES:
            if spec is not COUNTERS:
                old = dataclasses.replace(spec, sorted_indexes={})
                await provisioning.ensure_table(aws=aws, spec=old, name=settings.table(spec.entity))


def _as_stored_before(record: Record) -> dict[str, Any]:
    """The item the previous version wrote: no sort values."""
    return {k: v for k, v in record.to_item().items() if k not in record.order_attributes()}


def _init(settings: Settings, *, recount_all: bool = False) -> list[provisioning.Step]:
    async def run() -> list[provisioning.Step]:
        async with Aws(settings) as aws:
            return await provisioning.provision(aws=aws, settings=settings, recount=recount_all)

    return asyncio.run(run())


def _counts(settings: Settings) -> tuple[dict[str, int], dict[str, int]]:
    async def run() -> tuple[dict[str, int], dict[str, int]]:
        async with Aws(settings) as aws:
            return (
                await stored_counts(aws=aws, settings=settings),
                await recount(aws=aws, settings=settings),
            )

    return asyncio.run(run())


def test_init_on_the_previous_versions_tables_adds_counters_once(settings: Settings) -> None:
    # given tables as the previous version made them, holding its data (no counters table)
    old = settings.model_copy(update={"table_prefix": "upgrade", "cognito_user_pool_id": None})
    asyncio.run(_previous_version(old))
    dynamodb: Any = boto(old, "dynamodb")
    for entity, record in _old_data():
        dynamodb.put_item(TableName=old.table(entity), Item=to_item(_as_stored_before(record)))
    assert old.table("counters") not in dynamodb.list_tables()["TableNames"]
    # when init runs
    steps = {(s.resource, s.name): s.created for s in _init(old)}
    # then every sorted index was added to the existing tables
    for spec in ALL_TABLES:
        table = dynamodb.describe_table(TableName=old.table(spec.entity))["Table"]
        have = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        assert set(spec.sorted_indexes) | set(spec.indexes) == set(have)
        for index in spec.sorted_indexes:
            assert steps[("index", f"{old.table(spec.entity)}/{index}")] is True
            assert have[index]["IndexStatus"] == "ACTIVE"
    # and the old records got their sort values, so the sorted indexes list them in order
    titles = dynamodb.query(
        TableName=old.table("submissions"),
        IndexName="UserIdTitleIndex",
        KeyConditionExpression="userId = :u",
        ExpressionAttributeValues={":u": {"S": "a"}},
        ScanIndexForward=False,
    )["Items"]
    assert [i["submissionId"]["S"] for i in titles] == ["s2", "s1", "s0"]
    team = dynamodb.query(
        TableName=old.table("profiles"),
        IndexName="ManagerIdNameIndex",
        KeyConditionExpression="managerId = :m",
        ExpressionAttributeValues={":m": {"S": "m"}},
    )["Items"]
    assert [i["profileId"]["S"] for i in team] == ["pa", "pb"]
    # and the old people and submissions were indexed for search
    assert steps[("search entries", old.table("search-index"))] is True
    found = dynamodb.query(
        TableName=old.table("search-index"),
        KeyConditionExpression="#t = :t AND begins_with(#e, :p)",
        ExpressionAttributeNames={"#t": "term", "#e": "entry"},
        ExpressionAttributeValues={":t": {"S": "people:team:m:b"}, ":p": {"S": "bak"}},
    )["Items"]
    assert [i["id"]["S"] for i in found] == ["b"]
    titles = dynamodb.query(
        TableName=old.table("search-index"),
        KeyConditionExpression="#t = :t",
        ExpressionAttributeNames={"#t": "term"},
        ExpressionAttributeValues={":t": {"S": "submissions:user:a:t"}},
    )["Items"]
    assert sorted(i["id"]["S"] for i in titles) == ["s0", "s1", "s2"]
    # and the counters table exists and holds exactly the counts of the stored data
    assert steps[("table", old.table("counters"))] is True
    assert steps[("counters", old.table("counters"))] is True
    stored, counted = _counts(old)
    assert stored == counted == EXPECTED
    # when it runs again, then nothing is counted again
    again = {(s.resource, s.name): s.created for s in _init(old)}
    assert not any(again.values()), again
    # when a counter is wrong (an item written around the API) and init recounts
    for wrong in ({"counterId": "team:m", "n": 7}, {"counterId": "team:zz", "n": 3}):
        dynamodb.put_item(TableName=old.table("counters"), Item=to_item(wrong))
    assert _counts(old)[0]["team:m"] == 7
    _init(old, recount_all=True)
    # then every counter is right again, and ones nothing supports are zero
    assert _counts(old)[0] == EXPECTED


def test_build_counters_skips_work_already_done(settings: Settings) -> None:
    # given a deployment whose counters were built
    fresh = settings.model_copy(update={"table_prefix": "built", "cognito_user_pool_id": None})
    _init(fresh)

    async def build() -> bool:
        async with Aws(fresh) as aws:
            return await build_counters(aws=aws, settings=fresh)

    # when the counters are built again, then nothing is scanned or written
    assert asyncio.run(build()) is False
