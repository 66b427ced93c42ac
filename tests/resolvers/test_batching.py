"""No N+1: the backend requests of a nested page do not grow with the page size, except one
Query per parent for one-to-many edges, all in the same wave (DESIGN.md batching rules)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from graph.context import Context
from graph.schema import build_schema
from graph.server.app import create_app
from services.local import demo, provisioning
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope
from tests.support.clients import Api, CallLog
from tests.support.server import ServerThread

NESTED = """
query Nested($n: Int!) {
  users(first: $n) {
    edges { node {
      profile { manager { email } }
      submissions(first: 5) { edges { node { status } } }
    } }
  }
}
"""


async def _seed(settings: Settings, people: int) -> None:
    async with Aws(settings) as aws:
        await provisioning.provision(aws=aws, settings=settings)
    async with RuntimeScope(settings) as runtime:
        # Everyone has a manager, so every page loads managers: the count is deterministic.
        await demo.seed_org(runtime=runtime, people=people, domain="batch.test", concurrency=1)


@pytest.fixture(scope="module")
def isolated(settings: Settings) -> Iterator[tuple[Api, CallLog]]:
    """Own tables (prefix `batching`) with exactly known data, and its own API server."""
    own = settings.model_copy(update={"table_prefix": "batching"})
    asyncio.run(_seed(own.model_copy(update={"cognito_user_pool_id": None}), 60))
    server = ServerThread(create_app(own)).start()
    log = CallLog()
    server.app.state.runtime.aws.listeners.append(log)
    yield Api(server.url), log
    server.stop()


def _measure_once(api: Api, log: CallLog, token: str, n: int) -> dict[str, Any]:
    log.calls.clear()
    data = api.data(NESTED, {"n": n}, token=token)
    assert len(data["users"]["edges"]) == n
    assert all(e["node"]["profile"]["manager"]["email"] for e in data["users"]["edges"])
    return {
        "BatchGetItem": log.count("BatchGetItem"),
        "Query": log.count("Query"),
        "Scan": log.count("Scan"),
        "GetItem": log.count("GetItem"),
        "waves": log.waves(),
    }


def _measure(api: Api, log: CallLog, token: str, n: int) -> dict[str, Any]:
    """Counts (identical every run) and the fewest waves seen over three runs.

    Waves are read from timestamps: on a loaded machine a call can start a moment after an
    unrelated call of its own wave finished and look one wave deeper. A real sequential
    dependency shows in every run, so the minimum is the honest measure.
    """
    runs = [_measure_once(api, log, token, n) for _ in range(3)]
    counts = [{k: v for k, v in run.items() if k != "waves"} for run in runs]
    assert all(c == counts[0] for c in counts), counts
    return {**counts[0], "waves": min(run["waves"] for run in runs)}


def test_nested_page_costs_the_same_for_5_and_50_parents(
    isolated: tuple[Api, CallLog], admin_token: str
) -> None:
    # given 62 users, each with a manager, some with submissions
    api, log = isolated
    # when the nested query runs for 5 and for 50 users
    small = _measure(api, log, admin_token, 5)
    large = _measure(api, log, admin_token, 50)
    # then by-key edges cost the same: one BatchGetItem per level (profiles, managers)
    assert small["BatchGetItem"] == large["BatchGetItem"] == 2
    assert small["GetItem"] == large["GetItem"] == 0
    assert small["Scan"] == large["Scan"] == 1
    # and the one-to-many edge costs exactly one Query per parent
    assert small["Query"] == 5
    assert large["Query"] - small["Query"] == 45
    # and the number of sequential round trips is the nesting depth, whatever N is
    assert small["waves"] == large["waves"] == 3


async def _resolver_tasks(settings: Settings, token: str, n: int) -> Counter[str]:
    """The Tasks made for the schema's own resolvers (coroutines of graph/) while it answers
    the nested page of `n` users, by resolver."""
    made: Counter[str] = Counter()
    loop = asyncio.get_running_loop()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        code = getattr(coro, "cr_code", None)
        if code is not None and f"{os.sep}graph{os.sep}" in code.co_filename:
            made[coro.__qualname__] += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    async with RuntimeScope(settings) as runtime:
        schema = build_schema(settings)
        context = Context(
            runtime=runtime, request_id="tasks", identity=await runtime.verifier.verify(token)
        )
        loop.set_task_factory(counting)
        try:
            result = await schema.execute(NESTED, variable_values={"n": n}, context_value=context)
        finally:
            loop.set_task_factory(None)
    assert result.errors is None
    assert result.data is not None
    assert len(result.data["users"]["edges"]) == n
    return made


def test_linked_fields_make_no_task_of_their_own(
    isolated: tuple[Api, CallLog], settings: Settings, admin_token: str
) -> None:
    # given 62 users, each with a manager (the `isolated` tables)
    own = settings.model_copy(update={"table_prefix": "batching"})
    # when the nested page is answered for 5 and for 50 users
    small = asyncio.run(_resolver_tasks(own, admin_token, 5))
    large = asyncio.run(_resolver_tasks(own, admin_token, 50))
    # then only the root field's resolver runs as a Task: each user's profile, manager and
    # submissions are loader futures shaped when they land (resolvers/futures.py), where
    # coroutines would cost a Task each, three per user
    assert small == large == Counter({"PeopleQuery.users": 1})


NEW_FIELDS = """
query NewFields($n: Int!) {
  users(first: $n) {
    totalCount
    edges { node {
      media(first: 5) { totalCount edges { node { id } } }
      submissions(first: 5) { totalCount edges { node { id } } }
      imageCollections(first: 5) { totalCount }
    } }
  }
}
"""


def _measure_new_fields(api: Api, log: CallLog, token: str, n: int) -> list[dict[str, int]]:
    runs = []
    for _ in range(3):
        log.calls.clear()
        data = api.data(NEW_FIELDS, {"n": n}, token=token)
        assert len(data["users"]["edges"]) == n
        assert data["users"]["totalCount"] == 62
        runs.append(
            {
                op: log.count(op)
                for op in ("BatchGetItem", "Query", "Scan", "GetItem", "TransactWriteItems")
            }
            | {"waves": log.waves()}
        )
    return runs


def test_new_fields_cost_the_same_for_5_and_30_parents(
    isolated: tuple[Api, CallLog], admin_token: str
) -> None:
    # given 62 users
    api, log = isolated
    # when a page of users is read with their uploads, submissions and collections, and the
    # totalCount of every list, for 5 and for 30 users (3 x 30 Queries in one wave stay
    # within the 100 pooled connections, so no Query waits for a connection to free up)
    small = _measure_new_fields(api, log, admin_token, 5)
    large = _measure_new_fields(api, log, admin_token, 30)
    # then every count is read by key, whatever N is: one BatchGetItem for the users' total
    # and one for each nested list's totals (read in the same wave as that list's Queries)
    for run in small + large:
        assert run["Scan"] == 1
        assert run["GetItem"] == 0
    assert {r["BatchGetItem"] for r in small} == {r["BatchGetItem"] for r in large} == {4}
    # and each one-to-many list costs one Query per parent (media, submissions, collections)
    assert {r["Query"] for r in small} == {15}
    assert {r["Query"] for r in large} == {90}
    # and the round trips one after another are the nesting depth, whatever N is: the users'
    # Scan, then every list's Queries and counts together
    assert min(r["waves"] for r in small) == min(r["waves"] for r in large) == 2


SEARCH_NESTED = """
query Found($n: Int!) {
  searchPeople(query: "eng", first: $n) {
    edges { node {
      profile { manager { email } }
      submissions(first: 5) { totalCount }
    } }
  }
}
"""


def test_search_results_nest_like_lists(isolated: tuple[Api, CallLog], admin_token: str) -> None:
    # given 60 engineers (the members' job title)
    api, log = isolated

    def measure(n: int) -> dict[str, int]:
        runs = []
        for _ in range(3):
            log.calls.clear()
            data = api.data(SEARCH_NESTED, {"n": n}, token=admin_token)
            assert len(data["searchPeople"]["edges"]) == n
            runs.append({op: log.count(op) for op in ("BatchGetItem", "Query", "GetItem")})
        assert all(r == runs[0] for r in runs), runs
        return runs[0]

    # when 5 and then 50 of them are read with their profile, manager and submissions' count
    small, large = measure(5), measure(50)
    # then by-key reads cost the same (users, profiles, managers, counters), and the search
    # is one Query whatever N, plus one Query per person for their submissions
    assert small["BatchGetItem"] == large["BatchGetItem"] == 4
    assert small["GetItem"] == large["GetItem"] == 0
    assert small["Query"] == 1 + 5
    assert large["Query"] == 1 + 50
