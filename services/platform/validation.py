"""Input checks shared by the domain services; each failure is a BAD_USER_INPUT naming the field."""

from __future__ import annotations

import re
import unicodedata

from services.platform.errors import BadInput

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def email(value: str) -> str:
    """A normalised (trimmed, lower-case) e-mail address."""
    cleaned = value.strip().lower()
    if not _EMAIL.fullmatch(cleaned):
        raise BadInput("email is not a valid address", field="email")
    return cleaned


def text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str | None:
    """Trimmed printable text of at most `max_length` characters (None stays None)."""
    if value is None:
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    cleaned = value.strip()
    if required and not cleaned:
        raise BadInput(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise BadInput(f"{field} must be at most {max_length} characters", field=field)
    if any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c not in "\n\t" for c in cleaned
    ):
        raise BadInput(f"{field} contains control characters", field=field)
    return cleaned or None


def required_text(value: str, *, field: str, max_length: int) -> str:
    result = text(value, field=field, max_length=max_length, required=True)
    assert result is not None
    return result


def identifier(value: str, *, field: str = "id") -> str:
    """An id as the API issues them (uuid-like, at most 128 safe characters)."""
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", value):
        raise BadInput(f"{field} is not a valid id", field=field)
    return value
