"""Revoked tokens: per user, the moment before which their tokens are refused.

Each API process keeps this bounded deny-list in memory, so refusing a revoked token costs
no DynamoDB read. It mirrors the durable revocation list (services/store/revoked.py: read
at start and once a second) and hears revocation events on the broker at once when Redis
is there (deactivation, `prework sign-out`). A token issued in the same second as the
revocation is refused too (`iat` has whole seconds); a token issued after it (a
reactivated user signing in again) is accepted.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

CHANNEL = "revocation"


class Revocations:
    """At most `size` users, each remembered for `seconds` (the longest token lifetime)."""

    def __init__(
        self, *, size: int, seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._size = size
        self._seconds = seconds
        self._clock = clock
        self._revoked: OrderedDict[str, float] = OrderedDict()
        self._listeners: list[Callable[[str], None]] = []

    def listen(self, listener: Callable[[str], None]) -> None:
        """Call `listener(user_id)` whenever a user's revocation is new or moves later (the
        open WebSockets of that user are closed)."""
        self._listeners.append(listener)

    def revoke(self, user_id: str, *, at: float) -> bool:
        """Refuse `user_id`'s tokens issued up to `at` (Unix seconds). True when that is
        news here (not already known from the broker or an earlier read)."""
        known = self._revoked.pop(user_id, None)
        self._revoked[user_id] = at if known is None else max(at, known)
        self._forget_old()
        if known is not None and at <= known:
            return False
        if at < self._clock() - self._seconds:
            return False  # expired: nothing to refuse or close
        for listener in self._listeners:
            listener(user_id)
        return True

    def refuses(self, user_id: str, *, issued_at: object) -> bool:
        """Whether a token of `user_id` issued at `issued_at` (its `iat`) is revoked."""
        at = self._revoked.get(user_id)
        if at is None:
            return False
        if at < self._clock() - self._seconds:
            return False  # older than any token still valid
        if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
            return True
        return issued_at <= at

    def __len__(self) -> int:
        return len(self._revoked)

    def _forget_old(self) -> None:
        horizon = self._clock() - self._seconds
        for user_id, at in list(self._revoked.items()):
            if at < horizon or len(self._revoked) > self._size:
                del self._revoked[user_id]
            else:
                break
