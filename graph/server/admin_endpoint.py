"""The seed-003 admin table API, served as it is at `/endpoint` for existing clients.

`?table=Alias[&id=…][&sortId=…]`; GET with id → get, GET → list, POST → create,
POST `action=scan` → scan, PUT → update, DELETE → delete, OPTIONS → CORS pre-flight.
Bodies and status codes are the seed's: `{success: true, item}`, `{success: false, error}`
(400), `{success: false, error: "Item not found."}` (404), plain arrays for list/scan.
Admins only (Cognito `admin` group); every response carries the CORS headers.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from starlette.requests import Request
from starlette.responses import Response

from graph.server.headers import bearer, request_id_of
from services.admin import aliases, by_key, scans
from services.auth.identity import Identity
from services.platform import exactjson
from services.platform.errors import (
    BadInput,
    Conflict,
    Forbidden,
    LockOut,
    NotFound,
    ServiceError,
    Unauthenticated,
    Unavailable,
)
from services.runtime.wiring import Runtime

log = logging.getLogger("prework.admin")

# Bearer tokens, not cookies: any origin may call, as API Gateway's CORS answered before.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Amz-Date, X-Api-Key, X-Amz-Security-Token, X-Request-Id"
    ),
    "Access-Control-Expose-Headers": "X-Request-Id",
    "Access-Control-Max-Age": "600",
}
_STATUS: list[tuple[type[ServiceError], int]] = [
    (BadInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (LockOut, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Unavailable, 503),
]


def _json(status: int, body: Any) -> Response:
    return Response(exactjson.dumps(body), status_code=status, media_type="application/json")


def _failure(status: int, error: str) -> Response:
    return _json(status, {"success": False, "error": error})


async def admin_endpoint(request: Request) -> Response:
    """The one Starlette endpoint behind `/endpoint`; never lets an exception escape."""
    request_id = request_id_of(request.headers)
    try:
        response = await _dispatch(request)
    except ServiceError as error:
        status = next((s for kind, s in _STATUS if isinstance(error, kind)), 500)
        response = _failure(status, error.message)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
    except (BotoCoreError, ClientError) as error:
        log.warning("admin endpoint: AWS call failed (request %s): %s", request_id, error)
        response = _failure(503, "A backing service is unavailable; try again shortly.")
    except Exception:
        log.exception("admin endpoint: unexpected error (request %s)", request_id)
        response = _failure(500, "Internal server error")
    response.headers.update(CORS_HEADERS)
    response.headers["X-Request-Id"] = request_id
    return response


# Every method reaches `admin_endpoint`, so that even a refused one gets the seed's shape.
ROUTE_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"]
_ALLOWED = "GET, POST, PUT, DELETE, OPTIONS"


async def _dispatch(request: Request) -> Response:
    if request.method == "OPTIONS":
        return _json(200, {"success": True})
    if request.method not in ("GET", "HEAD", "POST", "PUT", "DELETE"):
        response = _failure(405, f"Method {request.method} is not allowed; use {_ALLOWED}.")
        response.headers["Allow"] = _ALLOWED
        return response
    runtime: Runtime = request.app.state.runtime
    actor = await _admin(request, runtime)
    params = request.query_params
    alias = params.get("table")
    if not alias:
        raise BadInput("The table querystring parameter is required.")
    table = aliases.resolve(settings=runtime.settings, alias=alias).alias
    item_id, sort_id = params.get("id"), params.get("sortId")
    common: dict[str, Any] = {"runtime": runtime, "actor": actor, "table": table}
    reading = request.method in ("GET", "HEAD")  # HEAD reads like GET, never anything else
    if reading and "id" in params:
        item = await by_key.get_item(**common, item_id=_id(item_id), sort_id=sort_id)
        return _json(200, {"success": True, "item": item})
    if reading:
        paginate = _flag(params.get("paginate"), "paginate")
        result = await scans.scan_items(
            **common,
            paginate=paginate,
            last_evaluated_key=_query_json(params.get("LastEvaluatedKey")),
            limit=_limit(params.get("limit")),
        )
        return _scan_response(result, paginate=paginate)
    if request.method == "POST":
        action = params.get("action")
        if action is not None and action != "scan":
            raise BadInput(f"Unknown action '{action}'; the only action is 'scan'.")
        payload = await _body(request, runtime)
        if action == "scan":
            return await _scan(payload, common)
        item = await by_key.create_item(**common, item=payload)
        return _json(200, {"success": True, "item": item})
    if request.method == "PUT":
        payload = await _body(request, runtime)
        outcome = await by_key.update_item(
            **common, item_id=_id(item_id), sort_id=sort_id, update=payload
        )
        results = [r.as_json() for r in outcome.results]
        return _json(
            200 if outcome.success else 400, {"success": outcome.success, "results": results}
        )
    if request.method != "DELETE":  # never reached: every method is handled above
        raise BadInput(f"Method {request.method} is not allowed.")
    await by_key.delete_item(**common, item_id=_id(item_id), sort_id=sort_id)
    return _json(200, {"success": True})


async def _admin(request: Request, runtime: Runtime) -> Identity:
    header = request.headers.get("authorization")
    token = bearer(header)
    if token is None and header and header.count(".") == 2 and " " not in header.strip():
        # API Gateway's Cognito authorizer took the bare token; keep those clients working.
        token = header.strip()
    if token is None:
        raise Unauthenticated("Unauthorized: send 'Authorization: Bearer <Cognito ID token>'.")
    identity = await runtime.verifier.verify(token)
    if not identity.is_admin:
        raise Forbidden("Forbidden: only an admin may use the admin table API.")
    return identity


def _id(value: str | None) -> str:
    if value is None:
        raise BadInput("The id querystring parameter is required.")
    if not value:
        raise BadInput("The id querystring parameter must not be empty.")
    return value


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.lower() == "false":
        return False
    if value.lower() == "true":
        return True
    raise BadInput(f"{name} must be true or false.")


def _limit(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadInput("limit must be a whole number.")


def _query_json(value: str | None) -> Any:
    # Starlette has already undone the URL encoding; what is left is JSON.
    if value is None:
        return None
    try:
        return exactjson.loads(value)
    except ValueError:
        raise BadInput("LastEvaluatedKey is not valid JSON.") from None


async def _body(request: Request, runtime: Runtime) -> Any:
    limit = runtime.settings.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadInput(f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadInput("The request body must be a JSON object.")
    try:
        payload = exactjson.loads(raw)
    except ValueError:
        raise BadInput("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BadInput("The request body must be a JSON object.")
    return payload


_SCAN_PAYLOAD = ("scan", "attributesToGet", "paginate", "LastEvaluatedKey", "limit")


async def _scan(payload: dict[str, Any], common: dict[str, Any]) -> Response:
    unknown = [k for k in payload if k not in _SCAN_PAYLOAD]
    if unknown:
        raise BadInput(f"Unknown scan property '{unknown[0]}'.")
    scan = payload.get("scan")
    if not isinstance(scan, dict):
        raise BadInput("The scan payload must have a scan object.")
    paginate = payload.get("paginate", False)
    if not isinstance(paginate, bool):
        raise BadInput("paginate must be true or false.")
    result = await scans.scan_items(
        **common,
        scan=scan,
        attributes=payload.get("attributesToGet"),
        paginate=paginate,
        last_evaluated_key=payload.get("LastEvaluatedKey"),
        limit=_limit(payload.get("limit")),
    )
    return _scan_response(result, paginate=paginate)


def _scan_response(result: scans.ScanResult, *, paginate: bool) -> Response:
    if not paginate:
        return _json(200, result.items)
    body: dict[str, Any] = {
        "Items": result.items,
        "Count": result.count,
        "ScannedCount": result.scanned_count,
    }
    # As DynamoDB (and the original API): no LastEvaluatedKey once the table is exhausted.
    if result.last_evaluated_key is not None:
        body["LastEvaluatedKey"] = result.last_evaluated_key
    return _json(200, body)
