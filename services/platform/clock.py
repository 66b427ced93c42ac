"""Timestamps in one format everywhere: ISO 8601 UTC with milliseconds and a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(now())


def epoch_second() -> int:
    """Now in whole Unix seconds (the resolution of a token's `iat`)."""
    return int(now().timestamp())
