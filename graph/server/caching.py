"""HTTP caching of GraphQL responses (docs/frontend.md).

A query over GET that succeeded (200, no errors) gets an ETag and is revalidated with
If-None-Match: the operation still runs (access checks and the budget apply every time), and
an unchanged result is answered 304 without a body. Its Cache-Control never lets a shared
cache keep a viewer's data: with an Authorization header `private, no-cache` (the browser
may keep it, but asks again each time); anonymous, `no-cache` (any cache may keep it but
must revalidate with the API before every use); `Vary: Accept, Authorization` either way.
POST, errors, refusals and everything else: `no-store`.

The ETag is weak: it is the hash of `data` alone, since the body's `extensions.cost`
(the budget left, the calls made) differs on every request even when the data does not.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.platform import exactjson

VARY = "Accept, Authorization"


def entity_tag(data: Any) -> str:
    """The weak ETag of a response's `data`."""
    digest = hashlib.sha256(exactjson.dumps(data)).digest()[:18]
    return f'W/"{base64.urlsafe_b64encode(digest).decode()}"'


def with_cache_headers(request: Request, response: Response, etag: str | None) -> Response:
    """`response` with its caching headers, or a 304 when the client holds the same data."""
    if request.method != "GET" or response.status_code != 200 or etag is None:
        response.headers["Cache-Control"] = "no-store"
        return response
    private = "authorization" in request.headers
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache" if private else "no-cache",
        "Vary": VARY,
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)  # RequestLog adds X-Request-Id
    response.headers.update(headers)
    return response


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): opaque tags equal, W/ ignored."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))
