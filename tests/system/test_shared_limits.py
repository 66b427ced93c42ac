"""Limits that hold across API processes: two `prework serve` processes on one redis-server
share each client's budget, and a deactivated user's tokens are refused on both within a
second, their open subscription closed — no DynamoDB read per request."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support import processes
from tests.support.clients import Api, error_codes, login, subscribed
from tests.support.factories.people import PASSWORD, make_person

STAGE = "shared"
ME = "{ me { id isActive } }"
DEACTIVATE = "mutation D($id: ID!) { deactivateUser(id: $id) { isActive } }"
REACTIVATE = "mutation R($id: ID!) { reactivateUser(id: $id) { isActive } }"
# 1 (me) + 2 (submissions) + 11 x 2 (media) = 25 points
SPEND = """
{ me { submissions(first: 11) { edges { node { media { edges { node { id } } } } } } } }
"""
SUBSCRIBE = "subscription { submissionStatusChanged { id status } }"


@pytest.fixture(scope="module")
def deployment(stack: Stack) -> Settings:
    return processes.side_deployment(stack.settings, STAGE, cursor_secret="shared-secret")


@pytest.fixture(scope="module")
def shared_env(deployment: Settings) -> Iterator[dict[str, str]]:
    """The processes' environment: one Redis; operations up to 60 points, budgets of 60
    draining 1 point a second."""
    with processes.redis_server() as redis:
        yield processes.environment(
            deployment,
            REDIS_URL=redis.url,
            MAX_QUERY_COST="60",
            BUDGET_POINTS="60",
            BUDGET_POINTS_PER_SECOND="1",
        )


@pytest.fixture(scope="module")
def two_apis(
    shared_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, Api]]:
    """API #1 and API #2 on that Redis."""
    cwd = tmp_path_factory.mktemp("shared")
    with (
        processes.api_server(shared_env, cwd) as (api1, _),
        processes.api_server(shared_env, cwd) as (api2, _),
    ):
        yield api1, api2


def test_two_processes_share_one_budget(
    two_apis: tuple[Api, Api], deployment: Settings, admin_token: str
) -> None:
    # given a user, and two API processes sharing budgets through Redis
    api1, api2 = two_apis
    person = make_person(api1, deployment, admin_token)
    # when they spend 25 points twice on API #1
    spent = [api1.post(SPEND, token=person.token) for _ in range(2)]
    assert [r.status_code for r in spent] == [200, 200], [r.text for r in spent]
    # then API #2 finds their bucket (60 points) too full for 25 more
    refused = api2.post(SPEND, token=person.token)
    assert refused.status_code == 429, refused.text
    assert error_codes(refused.json()) == ["THROTTLED"]
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] > 5


def _refused(api: Api, token: str) -> bool:
    return error_codes(api.run(ME, token=token)) == ["UNAUTHENTICATED"]


def test_a_deactivated_users_tokens_are_refused_everywhere_within_a_second(
    two_apis: tuple[Api, Api], deployment: Settings, admin_token: str
) -> None:
    # given a user signed in on both processes, with a subscription open on API #2
    api1, api2 = two_apis
    person = make_person(api1, deployment, admin_token)
    assert api1.data(ME, token=person.token)["me"]["isActive"]
    assert api2.data(ME, token=person.token)["me"]["isActive"]
    with subscribed(api2, person.token, SUBSCRIBE) as ws:
        time.sleep(0.3)  # the subscription is registered
        # when an admin deactivates them on API #1
        started = time.monotonic()
        deactivated = api1.data(DEACTIVATE, {"id": person.id}, token=admin_token)
        assert deactivated["deactivateUser"] == {"isActive": False}
        # then both processes refuse their token within a second
        while not (_refused(api1, person.token) and _refused(api2, person.token)):
            assert time.monotonic() - started < 1.0, "a process still accepts the token"
            time.sleep(0.02)
        refused_after = time.monotonic() - started
        # and their subscription on API #2 is closed (4403) within that second too
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=max(0.01, 1.0 - (time.monotonic() - started)))
        closed_after = time.monotonic() - started
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    print(f"refused on both after {refused_after:.3f} s, socket closed after {closed_after:.3f} s")
    assert closed_after < 1.0
    assert refused_after < 1.0

    # when an admin reactivates them and they sign in again (a new token, a later second)
    api1.data(REACTIVATE, {"id": person.id}, token=admin_token)
    time.sleep(1.05)
    fresh = login(deployment, person.email, PASSWORD)
    # then the new token works on both processes, and the old one stays refused
    assert api1.data(ME, token=fresh)["me"]["isActive"]
    assert api2.data(ME, token=fresh)["me"]["isActive"]
    assert _refused(api2, person.token)


def test_the_sign_out_command_reaches_every_process(
    two_apis: tuple[Api, Api],
    shared_env: dict[str, str],
    deployment: Settings,
    admin_token: str,
    tmp_path: Path,
) -> None:
    # given a user signed in on both processes
    api1, api2 = two_apis
    person = make_person(api1, deployment, admin_token)
    assert not _refused(api1, person.token) and not _refused(api2, person.token)
    # when an operator signs them out with `prework sign-out` (a process of its own)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("prework")), "sign-out", person.email],
        env=shared_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    ended = time.monotonic()
    assert done.returncode == 0, done.stderr
    # then both API processes refuse their token within a second of the command
    while not (_refused(api1, person.token) and _refused(api2, person.token)):
        assert time.monotonic() - ended < 1.0, "a process still accepts the token"
        time.sleep(0.02)
