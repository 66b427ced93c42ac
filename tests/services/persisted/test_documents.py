"""The automatic-persisted-query store: bounded in one process (least recently used dropped),
shared through a real Redis with an expiry."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator

import pytest
import redis
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from services.persisted import LocalDocuments, RedisDocuments, document_hash
from tests.support import processes
from tests.support.server import free_port

ME = "query Me { me { id } }"
SIZE = 4


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with processes.redis_server() as server:
        yield server.url


def test_the_hash_is_the_hex_sha256_of_the_text() -> None:
    # then it is what Apollo Client and urql compute for the document's text
    assert document_hash("{ me { id } }") == (
        "c53d78fa4c9c65a93967d42316fcd207fd611c7cac40a103820a866c3e5dd8f5"
    )


def test_the_local_store_drops_the_least_recently_used_past_its_size() -> None:
    async def scenario() -> None:
        # given a store of 2 documents holding A then B
        store = LocalDocuments(size=2)
        await store.put("a", "A")
        await store.put("b", "B")
        # when A is read again, then C registered
        assert await store.get("a") == "A"
        await store.put("c", "C")
        # then B, the least recently used, is gone and the size holds
        assert await store.get("b") is None
        assert [await store.get("a"), await store.get("c")] == ["A", "C"]
        assert len(store) == 2

    asyncio.run(scenario())


def test_two_processes_share_documents_through_redis(redis_url: str) -> None:
    async def scenario() -> None:
        # given two stores on one Redis (as two API processes have)
        first = RedisDocuments(redis_url, ttl=60)
        second = RedisDocuments(redis_url, ttl=60)
        try:
            # when the first registers a document
            await first.put(document_hash(ME), ME)
            # then the second finds it, and it expires after the TTL
            assert await second.get(document_hash(ME)) == ME
            assert await second.get(document_hash("{ other }")) is None
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())
    client = redis.Redis.from_url(redis_url)
    try:
        assert 0 < client.ttl(f"prework:apq:{document_hash(ME)}") <= 60
    finally:
        client.close()


def test_redis_gone_is_a_miss_not_an_error() -> None:
    async def scenario() -> None:
        # given a store whose Redis does not answer
        store = RedisDocuments(f"redis://127.0.0.1:{free_port()}/0", ttl=60)
        try:
            # when a document is registered and looked up
            await store.put(document_hash(ME), ME)
            # then it is a miss (the client sends the text again), not an exception
            assert await store.get(document_hash(ME)) is None
        finally:
            await store.aclose()

    asyncio.run(scenario())


class LocalStoreMachine(RuleBasedStateMachine):
    """Any sequence of registrations and lookups: the store answers as an LRU map of SIZE."""

    def __init__(self) -> None:
        super().__init__()
        self.store = LocalDocuments(size=SIZE)
        self.model: OrderedDict[str, str] = OrderedDict()

    @rule(text=st.text(max_size=40))
    def register(self, text: str) -> None:
        digest = document_hash(text)
        asyncio.run(self.store.put(digest, text))
        self.model[digest] = text
        self.model.move_to_end(digest)
        while len(self.model) > SIZE:
            self.model.popitem(last=False)

    @rule(text=st.text(max_size=40))
    def look_up(self, text: str) -> None:
        digest = document_hash(text)
        found = asyncio.run(self.store.get(digest))
        assert found == self.model.get(digest)
        if found is not None:
            self.model.move_to_end(digest)

    @invariant()
    def bounded(self) -> None:
        assert len(self.store) == len(self.model) <= SIZE


TestLocalStore = LocalStoreMachine.TestCase
