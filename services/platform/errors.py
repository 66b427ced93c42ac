"""Domain errors. Each carries the `extensions.code` clients see; the graph layer maps them."""

from __future__ import annotations


class ServiceError(Exception):
    """A failure the caller can act on; its message is safe to show."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class NotFound(ServiceError):
    code = "NOT_FOUND"


class BadInput(ServiceError):
    code = "BAD_USER_INPUT"


class Conflict(ServiceError):
    code = "CONFLICT"


class Unavailable(ServiceError):
    """A backing service (DynamoDB, S3, Redis) did not answer in time; retrying may help."""

    code = "SERVICE_UNAVAILABLE"


class LockOut(ServiceError):
    """The change would leave an admin locked out: their own admin access, or the last active
    admin (`extensions.reason`: SELF or LAST_ADMIN)."""

    code = "ADMIN_LOCKOUT"


class RevocationListFull(ServiceError):
    """More users revoked within REVOCATION_SECONDS than the durable revocation list holds
    (REVOCATION_LIST_SIZE); the deactivation or sign-out wrote nothing."""

    code = "REVOCATION_LIST_FULL"


class SyncTokenExpired(ServiceError):
    """A `changes(since:)` token older than SYNC_RETENTION_SECONDS, or issued while the viewer
    had another role: the client reads everything again and syncs from a new token."""

    code = "SYNC_TOKEN_EXPIRED"


class TooCostly(ServiceError):
    """The operation's static cost is over MAX_QUERY_COST (`extensions.cost`, `maximum`)."""

    code = "QUERY_TOO_COSTLY"


class Throttled(ServiceError):
    """The client's budget cannot pay for this operation now (`extensions.retryAfter`)."""

    code = "THROTTLED"
