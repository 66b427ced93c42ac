"""Structured logs: one JSON object per line on stderr, for log shippers (CloudWatch, Loki...).

Fields passed as `extra={...}` become top-level keys, so a request line reads
`{"time": ..., "level": "INFO", "logger": "prework.access", "message": "graphql request",
"requestId": ..., "operation": ..., "userId": ..., "durationMs": ..., "status": 200, ...}`.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName", "color_message"}  # uvicorn's ANSI-coloured copy
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an odd extra (a UUID, an exception) must never break logging.
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str, *, stream: TextIO | None = None) -> None:
    """Send every logger (ours, uvicorn's, botocore's) to one JSON handler on stderr.

    Idempotent: replaces the root handlers, so calling it again (in each uvicorn worker
    process) does not duplicate lines.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own loggers otherwise keep their plain-text handlers; route them to root.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Our access line replaces uvicorn's (which lacks the operation and user).
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Strawberry logs every GraphQL error with a traceback, even a client's missing token. The
    # access line already has each request's error codes, and ErrorCodes logs unexpected
    # errors with their traceback and request id.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
