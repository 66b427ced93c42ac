"""Revoked tokens: per user, the moment before which their tokens are refused.

Each API process keeps this bounded deny-list in memory, fed by revocation events on the
broker (deactivation, `prework sign-out`), so refusing a revoked token costs no DynamoDB
read. A token issued in the same second as the revocation is refused too (`iat` has whole
seconds); a token issued after it (a reactivated user signing in again) is accepted.
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

    def revoke(self, user_id: str, *, at: float) -> None:
        """Refuse `user_id`'s tokens issued up to `at` (Unix seconds)."""
        at = max(at, self._revoked.pop(user_id, at))
        self._revoked[user_id] = at
        self._forget_old()

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
