"""`prework serve` as the container runs it: several uvicorn workers, AWS from the environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.platform.settings import Settings
from tests.support.server import free_port

START_TIMEOUT_SECONDS = 60


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`prework serve` with WORKERS=2 against the session's moto server; its URL and log file."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PROMETHEUS_"))},
        "WORKERS": "2",
        "USE_LOCAL_STACK": "false",
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "COGNITO_USER_POOL_ID": settings.cognito_user_pool_id or "",
        "COGNITO_CLIENT_ID": settings.cognito_client_id or "",
        "CURSOR_SECRET": settings.cursor_secret,
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        # Its own session, so the uvicorn supervisor and its workers are stopped together.
        process = subprocess.Popen(
            [sys.executable, "-m", "graph.cli", "serve", "--port", str(port)],
            cwd=tmp_path,  # no .env, no .prework-local.json from elsewhere
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_until_up(url: str, process_log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"prework serve did not start:\n{process_log.read_text()[-3000:]}")


def test_serve_with_two_workers_is_healthy_ready_and_answers(
    served: tuple[str, Path], user_token: str
) -> None:
    # given `prework serve` with two workers on real (moto) AWS settings
    url, process_log = served
    _wait_until_up(url, process_log)
    # when probing it and asking who the demo user is
    health = httpx.get(f"{url}/healthz", timeout=5)
    ready = httpx.get(f"{url}/readyz", timeout=5)
    me = httpx.post(
        f"{url}/graphql",
        json={"query": "query ServeMe { me { email } }"},
        headers={"Authorization": f"Bearer {user_token}", "X-Request-Id": "serve-test-0001"},
        timeout=10,
    )
    # then all answer, and the worker logged the request as one JSON line
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    assert me.status_code == 200
    assert me.json()["data"] == {"me": {"email": "user@example.com"}}
    assert me.json()["extensions"]["cost"]["requested"] == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in process_log.read_text().splitlines() if x.startswith("{")]
        access = [x for x in lines if x.get("requestId") == "serve-test-0001"]
        workers = {x["message"] for x in lines if x["message"].startswith("Started server process")}
        if access and len(workers) == 2:
            break
        time.sleep(0.1)
    assert access, process_log.read_text()[-3000:]
    assert len(workers) == 2, workers
    assert access[0]["operation"] == "ServeMe"
    assert access[0]["status"] == 200
    assert access[0]["logger"] == "prework.access"
