"""People records: a user (with their profile's id and manager) and a profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.auth.identity import Role
from services.store.records import Record


@dataclass(frozen=True, kw_only=True)
class User(Record):
    user_id: str
    email: str
    username: str
    role: Role
    is_active: bool
    profile_id: str
    # A copy of the profile's managerId: authorization checks read it without a second call.
    manager_id: str | None = None

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["role"] = Role(values["role"])
        values["is_active"] = bool(values["is_active"])
        return values


@dataclass(frozen=True, kw_only=True)
class Profile(Record):
    profile_id: str
    user_id: str
    manager_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    bio: str | None = None
