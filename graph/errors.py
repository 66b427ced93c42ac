"""Every GraphQL error leaves with `extensions.code`; unexpected ones are logged and masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from services.platform.errors import ServiceError

log = logging.getLogger("prework.errors")

_UNAVAILABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalServerError",
}


def unavailable(error: ClientError) -> bool:
    """Throttling, or the AWS service failing (any 5xx, whatever its error code says)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return error.response.get("Error", {}).get("Code") in _UNAVAILABLE or int(status) >= 500


def code_of(error: GraphQLError) -> str:
    """The client-facing code of one error."""
    original = error.original_error
    if isinstance(original, ServiceError):
        return original.code
    if original is None or isinstance(original, GraphQLError):
        message = error.message
        if message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED"
        if message.startswith("Variable '") or "got invalid value" in message:
            return "BAD_USER_INPUT"
        return "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, BotoCoreError) or (
        isinstance(original, ClientError) and unavailable(original)
    ):
        return "SERVICE_UNAVAILABLE"
    return "INTERNAL_SERVER_ERROR"


def coded(error: ServiceError) -> GraphQLError:
    """A service error as a GraphQL error carrying its code (for subscription streams, whose
    errors do not pass through operation extensions)."""
    return GraphQLError(error.message, extensions={"code": error.code, **error.details})


def as_graphql_error(error: Exception) -> GraphQLError:
    """An exception raised out of an operation as the GraphQL error that reports it."""
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def expected(error: GraphQLError) -> bool:
    """Errors that are the caller's doing (coded service errors, invalid documents)."""
    original = error.original_error
    return original is None or isinstance(original, (ServiceError, GraphQLError))


class ErrorCodes(SchemaExtension):
    """Adds codes and the request id; hides internals (always in production)."""

    def __init__(self, *, mask_internal: bool = True) -> None:
        self.mask_internal = mask_internal

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [self._format(e) for e in result.errors]

    def _format(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        return with_code(error, request_id=request_id, mask_internal=self.mask_internal)


def with_code(error: GraphQLError, *, request_id: str | None, mask_internal: bool) -> GraphQLError:
    """`error` with its `extensions.code` and request id; internals logged and (if asked) masked."""
    if "code" in (error.extensions or {}) and error.original_error is None:
        return error  # already coded (e.g. a subscription stream's refusal)
    code = code_of(error)
    extensions = dict(error.extensions or {})
    extensions["code"] = code
    if request_id:
        extensions["requestId"] = request_id
    message = error.message
    original = error.original_error
    if isinstance(original, ServiceError):
        extensions.update(original.details)
        message = original.message
    elif code == "SERVICE_UNAVAILABLE":
        log.warning("backing service failed (request %s): %s", request_id, original)
        message = "a backing service is unavailable; try again shortly"
    elif code == "INTERNAL_SERVER_ERROR":
        log.error("unexpected error (request %s)", request_id, exc_info=original)
        if mask_internal:
            message = "Internal server error"
    _drop_tracebacks(error)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None if code == "INTERNAL_SERVER_ERROR" else original,
        extensions=extensions,
    )


def _drop_tracebacks(error: BaseException) -> None:
    """Once an error is answered (and an unexpected one logged), its tracebacks are not read
    again. Kept, they would tie the failed resolver's frames, and through them the executor
    and the request's context, loaders and records, into reference cycles that only the
    cyclic collector frees (tests/graph/server/test_app.py)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        one = pending.pop()
        if one is None or id(one) in seen:
            continue
        seen.add(id(one))
        one.__traceback__ = None
        pending += [one.__cause__, one.__context__]
        if isinstance(one, GraphQLError):
            pending.append(one.original_error)
