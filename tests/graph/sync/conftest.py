"""An API server of its own for the sync tests: the feed settles at once (each test's writes
have committed before it syncs), so a test sees its changes without waiting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.server import ServerThread


@pytest.fixture(scope="module")
def sync_server(settings: Settings) -> Iterator[ServerThread]:
    thread = ServerThread(
        create_app(settings.model_copy(update={"sync_settle_seconds": 0}))
    ).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def sync_api(sync_server: ServerThread) -> Api:
    return Api(sync_server.url)
