"""HTTP refusals Strawberry raises before GraphQL runs, as coded GraphQL errors in JSON."""

from __future__ import annotations

import orjson
from starlette.responses import Response

_GET_MUTATION = "mutations are not allowed when using GET"


def http_error(status: int, reason: str) -> Response:
    """Strawberry's plain-text HTTP refusals as coded GraphQL errors.

    A mutation over GET is 405 with `Allow: POST` (GraphQL over HTTP); an unsupported method
    keeps 405; everything else about the request itself (bad JSON, no query, bad content
    type) is 400 `BAD_REQUEST`.
    """
    headers: dict[str, str] = {}
    code = "BAD_REQUEST"
    if reason == _GET_MUTATION or status == 405:
        status, code = 405, "METHOD_NOT_ALLOWED"
        headers["Allow"] = "POST" if reason == _GET_MUTATION else "GET, POST"
    elif status == 404:
        code = "NOT_FOUND"
    body = {"errors": [{"message": reason, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )
