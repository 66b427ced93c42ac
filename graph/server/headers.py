"""Small HTTP helpers shared by the GraphQL view and the REST admin endpoint."""

from __future__ import annotations

import re
import uuid
from typing import Any

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_of(headers: Any) -> str:
    """The caller's X-Request-Id when it is sane, else a new one."""
    given = headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
