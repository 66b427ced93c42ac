"""Mixed load: 100 concurrent clients against `prework serve` (a subprocess on its own moto
process), then a check that every acknowledged write is stored exactly once.

    .venv/bin/python bench/load.py [--clients 100] [--seconds 60]

Mix: 70% nested reads (the admin's `users(first: 5) { profile { manager } submissions }`),
20% submission writes (half createSubmission, half updateSubmission with expectedVersion on
one of the client's own earlier submissions), 10% requestUpload once the media pipeline is
in the tree (until then: more createSubmission). Ten load users with Cognito identities
write; every client writes as one of them. Afterwards every load user's submissions are read
straight from DynamoDB (their ids from UserIdIndex, the items by key) and compared with the
acknowledged ids and versions. Writes bench/results/load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PASSWORD,
    SEEDER,
    api_process,
    environment,
    has_media,
    login,
    moto_process,
    percentile,
    seed,
    write,
)
from services.people import users
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope
from services.store import dynamo

COMMAND = ".venv/bin/python bench/load.py"
LOAD_USERS = 10
READ = """query { users(first: 5) { edges { node {
  profile { manager { email } } submissions(first: 5) { edges { node { status } } } } } } }"""
CREATE = """mutation($t: String!) { createSubmission(input: {title: $t}) { id version } }"""
UPDATE = """mutation($id: ID!, $t: String!, $v: Int) {
  updateSubmission(id: $id, input: {title: $t}, expectedVersion: $v) { id version } }"""
UPLOAD = """mutation { requestUpload(input: {filename: "photo.jpg", contentType: "image/jpeg",
  size: 1000}) { url media { id } } }"""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # acknowledged writes: submission id -> (owner email, last acknowledged version)
    acked: dict[str, tuple[str, int]] = field(default_factory=dict)


async def client(
    session: aiohttp.ClientSession,
    url: str,
    reader_token: str,
    writer: tuple[str, str],
    deadline: float,
    rng: random.Random,
    stats: Stats,
    media: bool,
) -> None:
    email, token = writer
    own: dict[str, int] = {}  # this client's submissions and their versions
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        roll = rng.random()
        variables: dict[str, Any] = {}
        if roll < 0.7:
            kind, query, auth = "read", READ, reader_token
        elif roll < 0.8 or (roll < 0.9 and not own):
            kind, query, auth = "create", CREATE, token
            variables = {"t": f"load {n}"}
        elif roll < 0.9:
            kind, query, auth = "update", UPDATE, token
            sid = rng.choice(list(own))
            variables = {"id": sid, "t": f"load {n}", "v": own[sid]}
        elif media:
            kind, query, auth = "requestUpload", UPLOAD, token
        else:
            kind, query, auth = "create", CREATE, token
            variables = {"t": f"load {n}"}
        body = orjson.dumps({"query": query, "variables": variables})
        headers = {"Authorization": f"Bearer {auth}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                payload = orjson.loads(await response.read())
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            stats.errors.append(f"{kind}: {type(error).__name__}: {error}"[:200])
            continue
        stats.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        if status != 200 or payload.get("errors"):
            stats.errors.append(f"{kind}: HTTP {status}: {str(payload.get('errors'))[:160]}")
            continue
        if kind in ("create", "update"):
            saved = payload["data"]["createSubmission" if kind == "create" else "updateSubmission"]
            own[saved["id"]] = saved["version"]
            stats.acked[saved["id"]] = (email, saved["version"])


async def run_load(
    url: str, admin: str, writers: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(2026)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                client(
                    session,
                    f"{url}/graphql",
                    admin,
                    writers[i % len(writers)],
                    deadline,
                    random.Random(rng.random()),
                    stats,
                    has_media(),
                )
                for i in range(clients)
            )
        )
        return stats, time.perf_counter() - started


async def make_writers(settings: Settings) -> list[str]:
    emails = [f"load{i}@bench.test" for i in range(LOAD_USERS)]
    async with RuntimeScope(settings) as runtime:
        for email in emails:
            await users.create_user(
                runtime=runtime,
                actor=SEEDER,
                email=email,
                username=email.split("@")[0],
                password=PASSWORD,
            )
    return emails


async def stored(settings: Settings, emails: list[str]) -> list[dict[str, Any]]:
    """Every submission of the load users, read back from DynamoDB (index, then base items)."""
    async with RuntimeScope(settings) as runtime:
        ids: list[str] = []
        for email in emails:
            user = await users.find_by_email(runtime=runtime, email=email)
            assert user is not None
            start: dict[str, Any] | None = None
            while True:
                request: dict[str, Any] = {
                    "TableName": runtime.tables.submissions,
                    "IndexName": "UserIdIndex",
                    "KeyConditionExpression": "userId = :u",
                    "ExpressionAttributeValues": {":u": {"S": user.user_id}},
                }
                if start:
                    request["ExclusiveStartKey"] = start
                page = await runtime.aws.dynamodb.query(**request)
                ids += [item["submissionId"]["S"] for item in page.get("Items", [])]
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
        items = await dynamo.batch_get(
            aws=runtime.aws,
            table=runtime.tables.submissions,
            keys=[{"submissionId": i} for i in ids],
        )
        assert len(items) == len(set(ids))
        return [{**item, "_indexed": ids.count(item["submissionId"])} for item in items]


def verify(stats: Stats, items: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    found = {item["submissionId"]: item for item in items}
    missing = [i for i in stats.acked if i not in found]
    extra = [i for i in found if i not in stats.acked]
    twice = [i for i, item in found.items() if item["_indexed"] != 1]
    stale = [i for i, (_, v) in stats.acked.items() if i in found and found[i]["version"] != v]
    notes = [
        f"acknowledged submissions: {len(stats.acked)}; stored for the load users: {len(found)}",
        f"missing: {len(missing)}; stored but never acknowledged: {len(extra)}; "
        f"listed more than once: {len(twice)}; version differs from the last acknowledged "
        f"one: {len(stale)}",
    ]
    return not (missing or extra or twice or stale), notes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    began = time.perf_counter()
    with moto_process() as endpoint:
        seeded = seed(endpoint, people=120)
        emails = asyncio.run(make_writers(seeded.settings))
        writers = [(e, login(seeded.settings, e)) for e in emails]
        # moto applies DynamoDB writes one at a time (services/local/stack.py) and deep-copies
        # the tables each transaction touches, so under this load a write can queue past
        # botocore's 10 s read timeout; the API would then report SERVICE_UNAVAILABLE for a
        # write moto applies later, and botocore's retry would apply it twice (moto ignores
        # the ClientRequestToken that makes it a no-op on DynamoDB). As tests/system/test_load.py.
        with api_process(seeded.settings, env={"AWS_READ_TIMEOUT": "120"}) as (url, _):
            stats, elapsed = asyncio.run(
                run_load(url, seeded.admin_token, writers, args.clients, args.seconds)
            )
        items = asyncio.run(stored(seeded.settings, emails))
    ok, notes = verify(stats, items)
    everything = [v for values in stats.latencies.values() for v in values]
    total = len(everything)
    lines = [
        "## Load: mixed reads and writes, then a write check",
        "",
        f"{args.clients} concurrent clients (aiohttp, one process, keep-alive) for "
        f"{args.seconds:g} s against `prework serve` (1 uvicorn worker) on its own moto "
        "process. Mix: 70% nested reads (`users(first: 5) { edges { node { profile { manager "
        "{ email } } submissions(first: 5) { ... } } } }`, as the admin), 20% writes "
        "(createSubmission / updateSubmission with expectedVersion, as one of 10 load users), "
        + (
            "10% requestUpload."
            if has_media()
            else "10% more createSubmission (requestUpload is on branch `media`; it takes this "
            "share automatically once merged)."
        ),
        "",
        "| operation | count | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, values in sorted(stats.latencies.items()):
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | "
            f"{percentile(values, 99):.0f} | {max(values):.0f} |"
        )
    lines += [
        f"| all | {total} | {percentile(everything, 50):.0f} | "
        f"{percentile(everything, 99):.0f} | {max(everything):.0f} |",
        "",
        f"- throughput: **{total / elapsed:.1f} requests/s** over {elapsed:.0f} s",
        f"- errors: **{len(stats.errors)}**, target 0: "
        f"**{'met' if not stats.errors and ok else 'missed'}** (with the write check below)"
        + (f"; first: `{stats.errors[0]}`" if stats.errors else ""),
        f"- every acknowledged write stored exactly once, at its last acknowledged version: "
        f"**{'yes' if ok else 'NO'}** ({'; '.join(notes)})",
        "",
        f"Reproduce: `{COMMAND} --seconds {args.seconds:g}`. {environment()}. Whole run "
        f"{time.perf_counter() - began:.0f} s.",
    ]
    write("load", lines)


if __name__ == "__main__":
    main()
