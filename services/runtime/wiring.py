"""The process-wide services every request shares: settings, AWS clients, auth, events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass

from services.auth.verifier import TokenVerifier
from services.live.broker import Broker, broker_for
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.cursors import Cursors
from services.store.tables import TableNames


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
        return Runtime(
            settings=s,
            aws=aws,
            tables=TableNames.from_settings(s),
            cursors=Cursors(s.cursor_secret),
            verifier=verifier,
            events=events,
            thumbnailer=pool,
        )

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()
