"""Search entries for data written before search existed (`prework init`).

Versioned writes keep a person's and a submission's entries (services/store/search.py) from
the moment the search-index table exists; what was stored before is indexed here once, and a
marker entry says it was done (`--recount` indexes everything again and drops entries that
no record makes any more).
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.local.counting import parse_record, scan_all
from services.people import Profile, User, searchable_person
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.dynamo import to_item
from services.store.search import EntryKey
from services.store.tables import PROFILES, SEARCH_INDEX, SUBMISSIONS, USERS
from services.submissions import Submission, searchable_submission

MARKER = {"term": "#built", "entry": "#built"}
_WRITE_BATCH = 25


async def wanted_entries(*, aws: Aws, settings: Settings) -> dict[EntryKey, dict[str, Any]]:
    """Every entry the stored people and submissions make."""
    profiles: dict[str, Profile] = {}
    async for item in scan_all(aws=aws, table=settings.table(PROFILES.entity)):
        profile = parse_record(Profile, item)
        if isinstance(profile, Profile):
            profiles[profile.profile_id] = profile
    entries: dict[EntryKey, dict[str, Any]] = {}
    async for item in scan_all(aws=aws, table=settings.table(USERS.entity)):
        user = parse_record(User, item)
        if isinstance(user, User) and user.profile_id in profiles:
            entries |= searchable_person(user, profiles[user.profile_id]).entries()
    async for item in scan_all(aws=aws, table=settings.table(SUBMISSIONS.entity)):
        submission = parse_record(Submission, item)
        if isinstance(submission, Submission):
            entries |= searchable_submission(submission).entries()
    return entries


async def build_search_index(*, aws: Aws, settings: Settings, force: bool = False) -> bool:
    """Index what is stored unless that was done (or `force`); returns whether it indexed."""
    table = settings.table(SEARCH_INDEX.entity)
    if not force:
        marker = await aws.dynamodb.get_item(
            TableName=table, Key=to_item(MARKER), ConsistentRead=True
        )
        if "Item" in marker:
            return False
    wanted = await wanted_entries(aws=aws, settings=settings)
    requests: list[dict[str, Any]] = [
        {"PutRequest": {"Item": to_item(item)}} for item in [*wanted.values(), MARKER]
    ]
    if force:
        async for item in scan_all(aws=aws, table=table):
            key = (item["term"], item["entry"])
            if key not in wanted and item["term"] != MARKER["term"]:
                gone = {"term": key[0], "entry": key[1]}
                requests.append({"DeleteRequest": {"Key": to_item(gone)}})
    for i in range(0, len(requests), _WRITE_BATCH):
        batch: dict[str, Any] = {table: requests[i : i + _WRITE_BATCH]}
        while batch:
            response = await aws.dynamodb.batch_write_item(RequestItems=batch)
            batch = response.get("UnprocessedItems") or {}
            if batch:
                await asyncio.sleep(0.05)
    return True
