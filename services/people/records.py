"""People records: a user (with their profile's id and manager) and a profile."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.auth.identity import Role
from services.platform.folding import fold
from services.store.admins import users_counter
from services.store.records import SORTS_LAST, Record


class PersonOrderField(StrEnum):
    """What lists of people sort by (the value is the sorted indexes' attribute)."""

    NAME = "nameOrder"
    CREATED = "createdAt"


def team_counter(manager_id: str) -> str:
    """The counter of a manager's team (profiles whose manager they are)."""
    return f"team:{manager_id}"


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
        # Only a stored true is active (as the admins' lock-out counter counts it).
        values["is_active"] = values["is_active"] is True
        return values

    def counted_in(self) -> tuple[str, ...]:
        return (users_counter(self.role, active=self.is_active),)

    def order_attributes(self) -> dict[str, str]:
        return {"nameOrder": fold(self.username) or SORTS_LAST}


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

    def counted_in(self) -> tuple[str, ...]:
        return (team_counter(self.manager_id),) if self.manager_id else ()

    def order_attributes(self) -> dict[str, str]:
        # Family name first, as lists of people sort.
        name = fold(f"{self.last_name or ''} {self.first_name or ''}")
        return {"nameOrder": name or SORTS_LAST}
