"""Opaque, signed pagination cursors.

A cursor names the position (an item key) and the query it belongs to (its scope). Both are
signed with HMAC-SHA256, so a tampered cursor or one replayed on another query or partition
is rejected instead of reading someone else's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from services.platform.errors import BadInput


class Cursors:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:16]

    def encode(self, *, scope: str, key: dict[str, Any]) -> str:
        """A cursor for the position just after `key` in the query named by `scope`."""
        body = orjson.dumps({"s": scope, "k": key}, option=orjson.OPT_SORT_KEYS)
        return base64.urlsafe_b64encode(self._sign(body) + body).decode().rstrip("=")

    def decode(self, cursor: str | None, *, scope: str) -> dict[str, Any] | None:
        """The key inside `cursor`, after checking its signature and scope."""
        if cursor is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            raise BadInput("invalid cursor") from None
        signature, body = raw[:16], raw[16:]
        if len(raw) <= 16 or not hmac.compare_digest(signature, self._sign(body)):
            raise BadInput("invalid cursor")
        payload = orjson.loads(body)
        if payload.get("s") != scope:
            raise BadInput("cursor belongs to a different query")
        key = payload.get("k")
        if not isinstance(key, dict):
            raise BadInput("invalid cursor")
        return key
