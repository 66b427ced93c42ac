"""Revocations without Redis, and across restarts: the revocation list is one DynamoDB item
that every `prework serve` process reads at start and once a second. Two processes with no
broker between them refuse a deactivated user's token within about a second (and close
their subscription); a restarted process still refuses it; after a reactivation a new
token works and the old one stays refused, restarts included."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support import processes
from tests.support.clients import Api, error_codes, login, subscribed
from tests.support.factories.people import PASSWORD, make_person

STAGE = "revoked"
ME = "{ me { id isActive } }"
DEACTIVATE = "mutation D($id: ID!) { deactivateUser(id: $id) { isActive } }"
REACTIVATE = "mutation R($id: ID!) { reactivateUser(id: $id) { isActive } }"
SUBSCRIBE = "subscription { submissionStatusChanged { id status } }"
# One poll a second, plus a GetItem and a request's round trip on a loaded 2-CPU machine.
WITHIN = 1.5


@pytest.fixture(scope="module")
def deployment(stack: Stack) -> Settings:
    return processes.side_deployment(stack.settings, STAGE, cursor_secret="revoked-secret")


@pytest.fixture(scope="module")
def env(deployment: Settings) -> dict[str, str]:
    """No REDIS_URL: nothing connects the processes but DynamoDB."""
    environment = processes.environment(deployment)
    environment.pop("REDIS_URL", None)
    return environment


def _refused(api: Api, token: str) -> bool:
    return error_codes(api.run(ME, token=token)) == ["UNAUTHENTICATED"]


def _accepted(api: Api, token: str) -> bool:
    return bool(api.data(ME, token=token)["me"]["isActive"])


def test_revocations_reach_processes_without_redis_and_survive_restarts(
    env: dict[str, str], deployment: Settings, admin_token: str, tmp_path: Path
) -> None:
    with (
        processes.api_server(env, tmp_path) as (api1, _),
        processes.api_server(env, tmp_path) as (api2, _),
    ):
        # given a user signed in on two processes that share no broker, subscribed on #2
        person = make_person(api1, deployment, admin_token)
        assert _accepted(api1, person.token) and _accepted(api2, person.token)
        with subscribed(api2, person.token, SUBSCRIBE) as ws:
            time.sleep(0.3)  # the subscription is registered
            # when an admin deactivates them on API #1
            started = time.monotonic()
            done = api1.data(DEACTIVATE, {"id": person.id}, token=admin_token)
            assert done["deactivateUser"] == {"isActive": False}
            # then both processes refuse their token within about a second
            while not (_refused(api1, person.token) and _refused(api2, person.token)):
                assert time.monotonic() - started < WITHIN, "a process still accepts the token"
                time.sleep(0.02)
            refused_after = time.monotonic() - started
            # and API #2 closes their subscription (4403) in that time too
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=max(0.01, WITHIN - (time.monotonic() - started)))
            closed_after = time.monotonic() - started
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        print(
            f"\nno Redis: refused on both after {refused_after:.3f} s, closed {closed_after:.3f} s"
        )

    # when both processes are replaced by new ones
    with processes.api_server(env, tmp_path) as (api3, _):
        # then the new process refuses the old token from its first request
        assert _refused(api3, person.token)
        # when an admin reactivates the user and they sign in again (a later second)
        api3.data(REACTIVATE, {"id": person.id}, token=admin_token)
        time.sleep(1.05)
        fresh = login(deployment, person.email, PASSWORD)
        # then the new token works, the old one does not
        assert _accepted(api3, fresh)
        assert _refused(api3, person.token)

    # and after another restart, still so
    with processes.api_server(env, tmp_path) as (api4, _):
        assert _accepted(api4, fresh)
        assert _refused(api4, person.token)


def test_each_process_reads_the_list_once_a_second_never_per_request(
    deployment: Settings, admin_token: str, tmp_path: Path
) -> None:
    # given an API process whose AWS calls go through a counting proxy
    with processes.fault_proxy(str(deployment.aws_endpoint_url)) as proxy:
        env = processes.environment(deployment, AWS_ENDPOINT_URL=proxy.url)
        env.pop("REDIS_URL", None)
        with processes.api_server(env, tmp_path) as (api, _):
            person = make_person(api, deployment, admin_token)
            _accepted(api, person.token)
            reads = processes.dynamodb("GetItem")
            # when it sits idle for 3 s, then serves 200 requests
            before = proxy.count(reads)
            time.sleep(3)
            idle = proxy.count(reads) - before
            started, before = time.monotonic(), proxy.count(reads)
            for _ in range(200):
                assert _accepted(api, person.token)
            busy_seconds = time.monotonic() - started
            busy = proxy.count(reads) - before
    # then it read the list about once a second either way: no GetItem per request
    print(f"\nGetItem: {idle} in 3 s idle; {busy} during 200 requests in {busy_seconds:.1f} s")
    assert 2 <= idle <= 4
    assert busy <= busy_seconds + 2
