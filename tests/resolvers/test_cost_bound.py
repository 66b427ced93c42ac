"""The bound docs/limits.md states: no request makes more DynamoDB calls than its requested
cost, so none makes more than MAX_QUERY_COST (1,000). The most expensive operations the
limits allow run against a large data set (600 users, a third inactive, 1,000 submissions,
2,000 media) and the calls the server makes are counted."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import parse

from graph.schema import build_schema
from graph.server.app import create_app
from graph.server.cost import Weights, operation_cost
from services.local import provisioning
from services.platform.aws import Aws
from services.platform.settings import Settings
from tests.support.clients import Api, CallLog, boto
from tests.support.server import ServerThread, run_async

USERS, SUBMITTERS, SUBMISSIONS_EACH, MEDIA_EACH = 600, 40, 25, 2
META = {
    "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-01-01T00:00:00.000Z",
    "createdBy": "seed",
    "lastUpdatedBy": "seed",
    "version": 1,
}
NESTED = """
query Nested {{ users(first: {users}) {{ edges {{ node {{ id
  submissions(first: {submissions}) {{ edges {{ node {{ id
    media(first: {media}) {{ edges {{ node {{ id url }} }} }}
  }} }} }}
}} }} }} }}
"""
ALIASED = "query Aliased {{ {fields} }}"
# includeInactive: one Scan each (30 filtered Scans reading on at once overwhelm moto);
# page sizes differ per alias, else the loaders share one Query per user among them
ALIAS = (
    "u{i}: users(includeInactive: true, first: {users}) {{ edges {{ node {{"
    " submissions(first: {page}) {{ edges {{ node {{ id }} }} }} }} }} }}"
)


def _seed(settings: Settings) -> None:
    async def tables() -> None:
        async with Aws(settings) as aws:
            await provisioning.provision(aws=aws, settings=settings)

    run_async(tables())
    dynamodb = boto(settings, "dynamodb")
    items: dict[str, list[dict[str, Any]]] = {"users": [], "submissions": [], "media": []}
    for u in range(USERS):
        items["users"].append(
            {
                "userId": f"u{u:04}",
                "email": f"u{u}@bound.test",
                "username": f"u{u}",
                "role": "USER",
                "isActive": u % 3 != 0,
                "profileId": f"p{u:04}",
                **META,
            }
        )
    for u, s in itertools.product(range(SUBMITTERS), range(SUBMISSIONS_EACH)):
        submission = f"s{u:04}-{s:02}"
        items["submissions"].append(
            {
                "submissionId": submission,
                "userId": f"u{u:04}",
                "title": "t",
                "status": "DRAFT",
                **META,
            }
        )
        for m in range(MEDIA_EACH):
            items["media"].append(
                {
                    "mediaId": f"{submission}-m{m}",
                    "userId": f"u{u:04}",
                    "submissionId": submission,
                    "kind": "IMAGE",
                    "status": "READY",
                    "filename": "a.png",
                    "contentType": "image/png",
                    "size": 1,
                    "bucket": "b",
                    "originalKey": "k",
                    **META,
                }
            )
    serializer = _Serializer()
    for entity, rows in items.items():
        for start in range(0, len(rows), 25):
            chunk = [{"PutRequest": {"Item": serializer.item(r)}} for r in rows[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={settings.table(entity): chunk})


class _Serializer:
    def __init__(self) -> None:
        from boto3.dynamodb.types import TypeSerializer

        self._types = TypeSerializer()

    def item(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: self._types.serialize(v) for k, v in row.items()}


@pytest.fixture(scope="module")
def bound(settings: Settings) -> Iterator[tuple[Api, CallLog, Settings]]:
    # The aliased operation sends 480 calls at once into the test moto, which answers DynamoDB
    # one request at a time: on a loaded machine the last wait past botocore's 10 s read
    # timeout (SERVICE_UNAVAILABLE), which is moto's queue, not the bound under test.
    own = settings.model_copy(
        update={"table_prefix": "bound", "aws_connect_timeout": 10.0, "aws_read_timeout": 120.0}
    )
    _seed(own)
    server = ServerThread(create_app(own)).start()
    log = CallLog()
    server.app.state.runtime.aws.listeners.append(log)
    # moto answers the 30 aliased Scans slowly: more time than the usual client's 30 s
    yield Api(server.url, http=httpx.Client(timeout=180)), log, own
    server.stop()


def _cost(settings: Settings, document: str) -> int:
    schema = build_schema(settings)._schema
    return operation_cost(schema, parse(document), weights=Weights.of(settings))


def most_expensive_nested(settings: Settings) -> str:
    """users → submissions → media with the page sizes that cost the most the limit allows."""
    best: tuple[int, str] = (0, "")
    for users, submissions, media in itertools.product(range(1, 101), range(1, 41), (1, 2)):
        document = NESTED.format(users=users, submissions=submissions, media=media)
        cost = 2 + users * (2 + submissions * 2)
        if cost <= settings.max_query_cost and cost > best[0]:
            best = (cost, document)
    assert _cost(settings, best[1]) == best[0]
    return best[1]


def most_expensive_aliased(settings: Settings) -> str:
    """MAX_ALIASES list reads, each as large as the limit allows."""
    per = settings.max_query_cost // settings.max_aliases
    users = (per - 2) // 2
    fields = " ".join(
        ALIAS.format(i=i, users=users, page=i + 1) for i in range(settings.max_aliases)
    )
    return ALIASED.format(fields=fields)


def test_no_request_makes_more_dynamodb_calls_than_its_cost(
    bound: tuple[Api, CallLog, Settings], admin_token: str
) -> None:
    api, log, settings = bound
    for build in (most_expensive_nested, most_expensive_aliased):
        # given the most expensive operation of its shape the limits allow
        document = build(settings)
        cost = _cost(settings, document)
        assert settings.max_query_cost * 0.9 <= cost <= settings.max_query_cost
        # when an admin runs it against the large data set
        log.calls.clear()
        started = time.monotonic()
        body = api.run(document, token=admin_token)
        seconds = time.monotonic() - started
        # then it succeeds and the DynamoDB calls it made are within its cost and the bound
        assert not body.get("errors"), body["errors"][:1]
        calls = sum(1 for c in log.calls if c.service == "dynamodb")
        assert calls <= cost <= 1000, (build.__name__, calls, cost)
        assert body["extensions"]["cost"] == {
            "requested": cost,
            "actual": len(log.calls),
            "throttleStatus": body["extensions"]["cost"]["throttleStatus"],
        }
        # and it did real work: a page read for each of many parents
        assert calls >= 100, (build.__name__, calls, cost)
        print(f"{build.__name__}: cost {cost}, {calls} DynamoDB calls, {seconds:.1f} s")


def test_a_selective_filter_reads_at_most_max_reads_per_page(
    bound: tuple[Api, CallLog, Settings], admin_token: str
) -> None:
    # given users whose active ones are 2 in 3 (a Scan with a filter)
    api, log, settings = bound
    # when an admin pages through the active users 100 at a time
    log.calls.clear()
    body = api.run(
        "{ users(first: 100) { edges { node { id } } pageInfo { hasNextPage } } }",
        token=admin_token,
    )
    assert not body.get("errors"), body
    # then the page took at most MAX_READS_PER_PAGE Scans
    assert 1 <= log.count("Scan") <= settings.max_reads_per_page
