"""Identical subscriptions share one execution per event; different viewers never share."""

from __future__ import annotations

import asyncio
import json

import httpx

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.graph.submissions.test_subscriptions import _next, _open
from tests.support.clients import Api
from tests.support.factories.people import make_submission, make_team

SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id status } }"
WATCH = "subscription($id: ID) { submissionStatusChanged(submissionId: $id) { id status } }"
# The manager's own submissions, reached through the event: the manager may read them, the
# member (whose submission it is) may not. Shared results would leak them to the member.
DEEP = """
subscription($id: ID) { submissionStatusChanged(submissionId: $id) {
  id owner { profile { manager { submissions { edges { node { id } } } } } }
} }
"""


def _executions(stack: Stack) -> dict[str, float]:
    text = httpx.get(f"{stack.server.url}/metrics", timeout=10).text
    found = {"computed": 0.0, "shared": 0.0}
    for line in text.splitlines():
        if line.startswith("prework_subscription_executions_total{"):
            mode = line.split('mode="', 1)[1].split('"', 1)[0]
            found[mode] = float(line.rsplit(" ", 1)[1])
    return found


async def _subscribe(ws: object, query: str, variables: dict[str, str]) -> None:
    await ws.send(  # type: ignore[attr-defined]
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
    )


async def test_identical_subscriptions_are_executed_once_per_event(
    api: Api, stack: Stack, settings: Settings, admin_token: str
) -> None:
    # given three sockets of one user watching the same draft with the same operation
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member)
    sockets = [await _open(stack, team.member.token) for _ in range(3)]
    for ws in sockets:
        await _subscribe(ws, WATCH, {"id": draft["id"]})
    await asyncio.sleep(0.5)
    before = _executions(stack)
    # when it is submitted
    await asyncio.to_thread(api.data, SUBMIT, {"id": draft["id"]}, token=team.member.token)
    # then every socket gets the event, computed once and shared twice
    for ws in sockets:
        event = await _next(ws)
        assert event["payload"]["data"]["submissionStatusChanged"] == {
            "id": draft["id"],
            "status": "SUBMITTED",
        }
    after = _executions(stack)
    assert after["computed"] - before["computed"] == 1
    assert after["shared"] - before["shared"] == 2
    for ws in sockets:
        await ws.close()


async def test_different_viewers_never_share_results(
    api: Api, stack: Stack, settings: Settings, admin_token: str
) -> None:
    # given the manager with a submission of their own, and a member's draft
    team = make_team(api, settings, admin_token)
    own = make_submission(api, team.manager, "the manager's own")
    draft = make_submission(api, team.member)
    member = await _open(stack, team.member.token)
    manager = await _open(stack, team.manager.token)
    for ws in (member, manager):
        await _subscribe(ws, DEEP, {"id": draft["id"]})
    await asyncio.sleep(0.5)
    # when the member submits the draft
    await asyncio.to_thread(api.data, SUBMIT, {"id": draft["id"]}, token=team.member.token)
    # then the manager sees their own submissions through it, the member does not
    seen_by_manager = (await _next(manager))["payload"]
    seen_by_member = (await _next(member))["payload"]
    manager_node = seen_by_manager["data"]["submissionStatusChanged"]["owner"]["profile"]["manager"]
    assert [e["node"]["id"] for e in manager_node["submissions"]["edges"]] == [own["id"]]
    member_node = seen_by_member["data"]["submissionStatusChanged"]["owner"]["profile"]["manager"]
    assert member_node["submissions"] is None
    assert seen_by_member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert own["id"] not in json.dumps(seen_by_member)
    for ws in (member, manager):
        await ws.close()
