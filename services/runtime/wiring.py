"""The process-wide services every request shares: settings, AWS clients, auth, events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass

from services.auth.revocations import CHANNEL as REVOCATIONS
from services.auth.verifier import TokenVerifier
from services.limits import Budget, budget_for
from services.live.broker import Broker, broker_for
from services.persisted import Documents, documents_for
from services.platform import metrics
from services.platform.aws import BACKGROUND, Aws
from services.platform.settings import Settings
from services.store.cursors import Cursors
from services.store.revoked import read_revoked
from services.store.tables import TableNames

log = logging.getLogger("prework.runtime")


@dataclass
class Runtime:
    settings: Settings
    aws: Aws
    tables: TableNames
    cursors: Cursors
    verifier: TokenVerifier
    events: Broker
    # Pillow work runs here, off the event loop (API's completeUpload and the worker).
    thumbnailer: ThreadPoolExecutor
    # Query-cost points per client (docs/limits.md).
    budget: Budget
    # Automatic persisted queries by hash (services/persisted).
    documents: Documents


async def revoke_tokens(*, runtime: Runtime, user_id: str, at: int) -> None:
    """After the revocation is stored (services/store/revoked.py): refuse `user_id`'s tokens
    issued up to `at` here at once, and on every API process through the broker (Redis).
    Processes the broker does not reach read it from the stored list within a second."""
    runtime.verifier.revocations.revoke(user_id, at=at)
    await runtime.events.publish(REVOCATIONS, {"userId": user_id, "at": at})


async def load_revocations(runtime: Runtime) -> int:
    """Put the stored revocation list on this process's deny-list (one GetItem); how many
    entries are newly refused."""
    stored = await read_revoked(aws=runtime.aws, table=runtime.tables.counters)
    revocations = runtime.verifier.revocations
    return sum(revocations.revoke(user_id, at=at) for user_id, at in stored.items())


async def poll_revocations(runtime: Runtime, *, every: float = 1.0) -> None:
    """Read the stored revocation list once every `every` seconds, until cancelled: a
    revocation reaches this process within that even without Redis (one GetItem a second
    per process, never per request)."""
    BACKGROUND.set(True)  # this task's own context: its calls are not any request's
    while True:
        await asyncio.sleep(every)
        try:
            fresh = await load_revocations(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # DynamoDB did not answer: try again next time
            log.warning("could not read the revocation list: %r", error)
            continue
        if fresh:
            metrics.REVOCATIONS.inc(fresh)


async def _follow_revocations(runtime: Runtime) -> None:
    """Keeps this process's deny-list in step with revocations published anywhere."""
    while True:
        try:
            async for event in runtime.events.subscribe(REVOCATIONS):
                user_id, at = event.get("userId"), event.get("at")
                if (
                    isinstance(user_id, str)
                    and isinstance(at, int | float)
                    and runtime.verifier.revocations.revoke(user_id, at=float(at))
                ):
                    metrics.REVOCATIONS.inc()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the broker failed: listen again shortly
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # Cancelled while the broker cleaned up, which raised instead: stop anyway
                # (retrying would swallow the cancellation and hang the shutdown).
                raise asyncio.CancelledError from error
            log.warning("revocation listener failed: %r; retrying", error)
            await asyncio.sleep(1)


class RuntimeScope:
    """`async with ServicesScope(settings) as services:` opens and closes everything."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Runtime:
        s = self.settings
        aws = await self._stack.enter_async_context(Aws(s))
        verifier = TokenVerifier(settings=s)
        self._stack.push_async_callback(verifier.aclose)
        events = broker_for(s.redis_url)
        self._stack.push_async_callback(events.aclose)
        pool = ThreadPoolExecutor(s.thumbnail_threads, thread_name_prefix="thumbnails")
        self._stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        budget = budget_for(s)
        self._stack.push_async_callback(budget.aclose)
        documents = documents_for(s)
        self._stack.push_async_callback(documents.aclose)
        runtime = Runtime(
            settings=s,
            aws=aws,
            tables=TableNames.from_settings(s),
            cursors=Cursors(s.cursor_secret),
            verifier=verifier,
            events=events,
            thumbnailer=pool,
            budget=budget,
            documents=documents,
        )
        listener = asyncio.create_task(_follow_revocations(runtime), name="revocations")
        self._stack.push_async_callback(_cancel, listener)
        return runtime

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
