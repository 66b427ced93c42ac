"""Automatic persisted queries shared by API processes: with REDIS_URL a document registered
on one API instance runs by hash on another (a real redis-server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.support import processes
from tests.support.clients import Api, error_codes
from tests.support.factories.documents import sha256
from tests.support.server import ServerThread

ME = "query Me { me { id email } }"


@pytest.fixture(scope="module")
def two_apis(settings: Settings) -> Iterator[tuple[Api, Api]]:
    """API #1 and API #2 on one Redis."""
    with processes.redis_server() as redis:
        shared = settings.model_copy(update={"redis_url": redis.url})
        first = ServerThread(create_app(shared)).start()
        second = ServerThread(create_app(shared)).start()
        try:
            yield Api(first.url), Api(second.url)
        finally:
            first.stop()
            second.stop()


def test_a_document_registered_on_one_api_runs_by_hash_on_another(
    two_apis: tuple[Api, Api], user_token: str
) -> None:
    # given a document neither API has seen
    api1, api2 = two_apis
    document = f"# {uuid.uuid4()}\n{ME}"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}
    headers = {"Authorization": f"Bearer {user_token}"}

    def send(api: Api, body: dict[str, Any]) -> dict[str, Any]:
        answer = api.http.post(f"{api.url}/graphql", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    # when API #2 is asked by hash, API #1 gets the text, then API #2 by hash again
    miss = send(api2, {"extensions": extensions})
    send(api1, {"query": document, "extensions": extensions})
    hit = send(api2, {"extensions": extensions})
    # then API #2 did not know it, then runs what API #1 stored
    assert error_codes(miss) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert hit["data"]["me"]["email"] == "user@example.com"
