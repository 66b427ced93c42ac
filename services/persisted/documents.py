"""The automatic-persisted-query store: GraphQL documents by the hex SHA-256 of their text.

With `REDIS_URL` every process shares one store (each document kept PERSISTED_QUERIES_TTL_
SECONDS after it was last registered); without it, a least-recently-used map of at most
PERSISTED_QUERIES_CACHE_SIZE documents in this process. Either way a miss only costs the
client one round trip (it registers the document again), so Redis failing is a miss, logged,
never an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from typing import Any, Protocol

from services.platform.redis_client import REDIS_TIMEOUT, fail_fast_redis
from services.platform.settings import Settings

log = logging.getLogger("prework.persisted")

_KEY = "prework:apq:"


def document_hash(document: str) -> str:
    """The hex SHA-256 of a document's UTF-8 text: its APQ hash and trusted-document id."""
    return hashlib.sha256(document.encode()).hexdigest()


class Documents(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, document: str) -> None: ...

    async def aclose(self) -> None: ...


class LocalDocuments:
    """Documents in this process, the least recently used dropped past `size`."""

    def __init__(self, *, size: int) -> None:
        self.size = size
        self._documents: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    async def get(self, digest: str) -> str | None:
        document = self._documents.get(digest)
        if document is not None:
            self._documents.move_to_end(digest)
        return document

    async def put(self, digest: str, document: str) -> None:
        self._documents[digest] = document
        self._documents.move_to_end(digest)
        while len(self._documents) > self.size:
            self._documents.popitem(last=False)

    async def aclose(self) -> None:
        self._documents.clear()


class RedisDocuments:
    """Documents in Redis, shared by every API process, each expiring `ttl` seconds after it
    was last registered."""

    def __init__(self, url: str, *, ttl: int) -> None:
        self.ttl = ttl
        self._redis: Any = fail_fast_redis(url)

    async def get(self, digest: str) -> str | None:
        try:
            found = await asyncio.wait_for(self._redis.get(_KEY + digest), REDIS_TIMEOUT)
        except Exception as error:  # Redis down or slow: a miss, the client registers again
            log.warning("persisted query lookup in redis failed: %r", error)
            return None
        return found.decode() if isinstance(found, bytes) else None

    async def put(self, digest: str, document: str) -> None:
        try:
            await asyncio.wait_for(
                self._redis.set(_KEY + digest, document.encode(), ex=self.ttl), REDIS_TIMEOUT
            )
        except Exception as error:  # the request still runs; the next one registers again
            log.warning("persisted query registration in redis failed: %r", error)

    async def aclose(self) -> None:
        await self._redis.aclose()


def documents_for(settings: Settings) -> Documents:
    """Shared through Redis when `REDIS_URL` is set, otherwise in this process."""
    if settings.redis_url:
        return RedisDocuments(settings.redis_url, ttl=settings.persisted_queries_ttl_seconds)
    return LocalDocuments(size=settings.persisted_queries_cache_size)
