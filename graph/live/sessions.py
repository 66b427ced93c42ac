"""Open WebSockets by user, so that revoking a user's tokens also ends their subscriptions.

Each API process follows the revocation events on the broker (Redis across processes) and
closes that user's sockets here with 4403, the code a bad token gets at `connection_init`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any

from services.auth.revocations import CHANNEL
from services.live.broker import Broker

log = logging.getLogger("prework.live")

REVOKED = 4403


class Sessions:
    def __init__(self) -> None:
        self._by_user: dict[str, weakref.WeakSet[Any]] = {}

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

    async def follow(self, events: Broker) -> None:
        """Close the sockets of every user revoked anywhere, until cancelled."""
        while True:
            try:
                async for event in events.subscribe(CHANNEL):
                    user_id = event.get("userId")
                    if isinstance(user_id, str) and await self.close_user(user_id):
                        log.info("closed the subscriptions of revoked user %s", user_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker failed: listen again shortly
                log.warning("revocation listener failed: %r; retrying", error)
                await asyncio.sleep(1)
