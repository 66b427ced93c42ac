"""The lock-out guard: no admin removes their own admin access, and the last active admin
is never deactivated, demoted or deleted. People's mutations and the admin table API (the
seed-003 `/endpoint`) both write the users table, so both use this.

The last-admin rule is part of the write itself: the write moves the counter of active
admins (`users:role:ADMIN:active`, services/store/counters.py) down in its own
TransactWriteItems, under the condition that the count stays at least 1 (`KEEP_AN_ADMIN`).
Two admins removing each other at the same moment cannot both pass: DynamoDB runs the two
transactions one after the other, and the second finds the count at 1. A missing counter
(data from before counters, `prework init` not run) refuses too: the safe side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.auth.identity import Role
from services.platform.errors import LockOut
from services.store.counters import Floor

_ROLES = frozenset(r.value for r in Role)


def users_counter(role: Role | str, *, active: bool) -> str:
    """The counter of users with `role`, active or deactivated (`users`' totalCount)."""
    return f"users:role:{Role(role).value}:{'active' if active else 'inactive'}"


ACTIVE_ADMINS = users_counter(Role.ADMIN, active=True)


def counted_user(item: Mapping[str, Any]) -> str | None:
    """The users counter a users-table item adds one to, as `User.counted_in` and `prework
    init` count it: items with a profile and a known role; None for other (bare) items."""
    role = item.get("role")
    if "profileId" not in item or not isinstance(role, str) or role not in _ROLES:
        return None
    return users_counter(role, active=item.get("isActive") is True)


def is_active_admin(item: Mapping[str, Any]) -> bool:
    """A users-table item counted as an active admin."""
    return counted_user(item) == ACTIVE_ADMINS


def _last_admin() -> LockOut:
    return LockOut(
        "this is the last active admin: make another admin first "
        "(or admins are not counted yet: run `prework init`)",
        reason="LAST_ADMIN",
    )


# Pass to versioned writes of users: the active admins' counter never goes below 1.
KEEP_AN_ADMIN: Mapping[str, Floor] = {ACTIVE_ADMINS: Floor(1, _last_admin)}


def guard_self_removal(*, actor_id: str, user_id: str) -> None:
    """Call before `user_id`, an active admin, stops being one: an admin cannot remove their
    own admin access (SELF). The last-admin rule is the write's `KEEP_AN_ADMIN` floor."""
    if user_id == actor_id:
        raise LockOut("you cannot remove your own admin access: ask another admin", reason="SELF")
