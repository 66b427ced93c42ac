"""Session fixtures: one moto server per test process, provisioned like `make run`, and the
real application served on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from graph.server.app import create_app
from services.local.bootstrap import bootstrap_local
from services.local.stack import LocalStack
from services.platform.settings import Settings
from services.runtime.wiring import Runtime
from tests.support.clients import Api, login
from tests.support.server import ServerThread, run_async

DEMO_PASSWORD = "PreWork-Demo-2026!"


@dataclass(frozen=True)
class Stack:
    settings: Settings
    server: ServerThread

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.server.app.state.runtime
        return runtime


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    stack = LocalStack()
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def settings(local_stack: LocalStack) -> Settings:
    base = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        demo_password=DEMO_PASSWORD,
        cursor_secret="test-cursor-secret",
        worker_wait_seconds=1,
        # Extra servers some tests start (copies of these settings) must not compete for the
        # upload queue: only the session's `stack` runs the worker.
        run_worker_in_process=False,
        # The suite starts many servers in one process: freezing what each start-up built
        # would keep every later-stopped server's cycles forever (tested in a subprocess).
        gc_threshold=0,
    )
    settings: Settings = run_async(bootstrap_local(local_stack.settings_for(base)))
    return settings


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[Stack]:
    # The upload worker runs inside the test server, as under `make run`.
    server = ServerThread(
        create_app(settings.model_copy(update={"run_worker_in_process": True}))
    ).start()
    yield Stack(settings=settings, server=server)
    server.stop()


@pytest.fixture(scope="session")
def api(stack: Stack) -> Api:
    return Api(stack.server.url)


@pytest.fixture(scope="session")
def admin_token(settings: Settings) -> str:
    return login(settings, "admin@example.com", DEMO_PASSWORD)


@pytest.fixture(scope="session")
def manager_token(settings: Settings) -> str:
    return login(settings, "manager@example.com", DEMO_PASSWORD)


@pytest.fixture(scope="session")
def user_token(settings: Settings) -> str:
    return login(settings, "user@example.com", DEMO_PASSWORD)


os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
