"""Subscription events cross processes through Redis: two `prework serve` processes and a
`prework worker` process share a real redis-server. A subscriber on API #1 sees a submission
submitted on API #2 and an upload the worker process finished."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from prework.services import provisioning
from prework.services.aws import Aws
from prework.services.settings import Settings
from tests.conftest import Stack
from tests.factories import images
from tests.factories.media import post_file, request_upload, wait_for
from tests.support import Api, free_port, run_async

STAGE = "xproc"
SUBSCRIBE_MEDIA = (
    "subscription { mediaStatusChanged { id status lastUpdatedBy } }"  # all the caller's media
)
SUBSCRIBE_SUBMISSIONS = "subscription { submissionStatusChanged { id status } }"
CREATE = 'mutation { createSubmission(input: {title: "cross"}) { id } }'
SUBMIT = "mutation S($id: ID!) { submitSubmission(id: $id) { id status } }"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (`make redis` installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        wait_for(lambda: _pings(client), timeout=10, what="redis-server to start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture(scope="module")
def environment(
    stack: Stack, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The processes' configuration: a deployment of its own (stage xproc) in the test
    session's moto server, the session's Cognito pool, and the Redis server."""
    settings = Settings.model_validate({**stack.settings.model_dump(), "stage": STAGE})

    async def provision() -> None:
        async with Aws(settings) as aws:
            await provisioning.provision(aws=aws, settings=settings)

    run_async(provision())
    return {
        **os.environ,
        "ENV": "test",
        "STAGE": STAGE,
        "USE_LOCAL_STACK": "false",
        "RUN_WORKER_IN_PROCESS": "false",
        "AWS_ENDPOINT_URL": str(stack.settings.aws_endpoint_url),
        "AWS_REGION": stack.settings.aws_region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "COGNITO_USER_POOL_ID": str(stack.settings.cognito_user_pool_id),
        "COGNITO_CLIENT_ID": str(stack.settings.cognito_client_id),
        "CURSOR_SECRET": "cross-process-secret",
        "REDIS_URL": redis_url,
        "WORKER_WAIT_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }


def _prework() -> str:
    return str(Path(sys.executable).with_name("prework"))


@contextmanager
def process(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [_prework(), *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield proc
    finally:
        proc.terminate()  # SIGTERM: the graceful path
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _healthy(url: str, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def api_server(env: dict[str, str], cwd: Path) -> Iterator[Api]:
    port = free_port()
    with process(["serve", "--port", str(port)], env, cwd) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(url, proc), timeout=60, what="the API process to start")
        yield Api(url)


def _next(ws: Any, timeout: float = 15) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    assert message["type"] == "next", message
    return message


def test_events_cross_processes_through_redis(
    environment: dict[str, str], user_token: str, tmp_path: Path
) -> None:
    # given API #1, API #2 and a worker process, all on one Redis
    with (
        api_server(environment, tmp_path) as api1,
        api_server(environment, tmp_path) as api2,
        process(["worker"], environment, tmp_path),
    ):
        ws_url = api1.url.replace("http://", "ws://") + "/graphql"
        with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {user_token}"}}
            ws.send(json.dumps(init))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            # and a subscriber on API #1 to the user's submissions and media
            for sub_id, query in (("s", SUBSCRIBE_SUBMISSIONS), ("m", SUBSCRIBE_MEDIA)):
                ws.send(
                    json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query}})
                )

            # when submissions are submitted on API #2 (until the first one arrives: the
            # subscription is registered asynchronously)
            def submitted_elsewhere() -> dict[str, Any] | None:
                created = api2.data(CREATE, token=user_token)["createSubmission"]
                api2.data(SUBMIT, {"id": created["id"]}, token=user_token)
                try:
                    return _next(ws, timeout=1)
                except TimeoutError:
                    return None

            first = wait_for(submitted_elsewhere, timeout=30, what="an event from API #2")
            # then API #1's subscriber receives it
            assert first["id"] == "s"
            assert first["payload"]["data"]["submissionStatusChanged"]["status"] == "SUBMITTED"

            # when an image is uploaded (requested on API #2) and the worker process handles it
            data = images.photo_jpeg(300, 200, seed=51)
            ticket = request_upload(api2, user_token, size=len(data))
            post_file(ticket, data)
            seen = []
            while not seen or seen[-1]["status"] not in ("READY", "FAILED"):
                message = _next(ws)
                if message["id"] == "m":
                    seen.append(message["payload"]["data"]["mediaStatusChanged"])
            # then API #1's subscriber sees PROCESSING and READY, written by the worker process
            assert [m["status"] for m in seen] == ["PROCESSING", "READY"]
            assert {m["id"] for m in seen} == {ticket.media_id}
            assert {m["lastUpdatedBy"] for m in seen} == {"system"}
