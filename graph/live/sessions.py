"""Open WebSockets by user, so that revoking a user's tokens also ends their subscriptions.

Whenever this process's deny-list learns of a revocation (from the broker at once, or from
the stored revocation list it reads each second), that user's sockets here are closed with
4403, the code a bad token gets at `connection_init`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any

from services.auth.revocations import Revocations

log = logging.getLogger("prework.live")

REVOKED = 4403


class Sessions:
    def __init__(self) -> None:
        self._by_user: dict[str, weakref.WeakSet[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, user_id: str, websocket: Any) -> None:
        """Remember an authenticated socket (weakly: a closed socket drops out by itself)."""
        self._by_user.setdefault(user_id, weakref.WeakSet()).add(websocket)

    def open_for(self, user_id: str) -> int:
        return len(self._by_user.get(user_id, ()))

    async def close_user(self, user_id: str) -> int:
        """Close every socket of `user_id`; how many were open."""
        sockets = list(self._by_user.pop(user_id, ()))
        for websocket in sockets:
            with contextlib.suppress(Exception):  # already closing or closed
                await websocket.close(code=REVOKED, reason="token revoked")
        return len(sockets)

    def watch(self, revocations: Revocations) -> None:
        """Close the sockets of every user `revocations` learns of from now on."""
        revocations.listen(self._closing)

    def _closing(self, user_id: str) -> None:
        if user_id not in self._by_user:
            return
        task = asyncio.get_running_loop().create_task(self._close(user_id))
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    async def _close(self, user_id: str) -> None:
        if await self.close_user(user_id):
            log.info("closed the subscriptions of revoked user %s", user_id)
