"""Who is calling: the verified token's subject and roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    USER = "USER"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"


GROUP_ROLES = {"admin": Role.ADMIN, "manager": Role.MANAGER}


@dataclass(frozen=True)
class Identity:
    """A verified caller. `user_id` is the Cognito `sub`, also the users-table key."""

    user_id: str
    username: str
    email: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    claims: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def role(self) -> Role:
        """The highest role the caller's Cognito groups give."""
        if "admin" in self.groups:
            return Role.ADMIN
        if "manager" in self.groups:
            return Role.MANAGER
        return Role.USER

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def audit_name(self) -> str:
        """The seed-003 identity: `custom:username` split on '.', reversed, joined with ', '."""
        raw = self.claims.get("custom:username")
        name = raw if isinstance(raw, str) and raw else self.username
        return ", ".join(reversed(name.split(".")))


SYSTEM = Identity(user_id="system", username="system")
