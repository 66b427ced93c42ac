"""Who may do what (DESIGN.md): a USER their own things, a MANAGER also their team's,
an ADMIN everything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from services.auth.identity import Identity
from services.platform.errors import Forbidden, ServiceError, Unauthenticated


class Person(Protocol):
    """What access rules read of a user record (people's `User` is one)."""

    @property
    def user_id(self) -> str: ...

    @property
    def manager_id(self) -> str | None: ...


LoadUser = Callable[[str], Awaitable[Person | None]]
# A manager's user id -> the user ids of their team.
LoadTeam = Callable[[str], Awaitable[list[str]]]


@dataclass
class Viewer:
    """The caller of one request, with ways to load users (a DataLoader in the API) and the
    caller's team (`services.people.viewers.viewer_for` wires both)."""

    identity: Identity | None
    load_user: LoadUser
    load_team: LoadTeam
    # Why a presented token was refused; reported instead of the generic "sign in".
    rejection: ServiceError | None = None
    _own: Person | None = field(default=None, init=False)
    _team: list[str] | None = field(default=None, init=False)

    def require(self) -> Identity:
        """The identity, or UNAUTHENTICATED."""
        if self.identity is None:
            if self.rejection is not None:
                raise self.rejection
            raise Unauthenticated("sign in: send 'Authorization: Bearer <Cognito token>'")
        return self.identity

    def require_admin(self) -> Identity:
        identity = self.require()
        if not identity.is_admin:
            raise Forbidden("only an admin may do this")
        return identity

    async def own_record(self) -> Person | None:
        if self._own is None:
            self._own = await self.load_user(self.require().user_id)
        return self._own

    async def team_ids(self) -> list[str]:
        """User ids of the caller's team (the people they manage), read once per viewer."""
        if self._team is None:
            self._team = await self.load_team(self.require().user_id)
        return list(self._team)

    async def manages(self, owner_id: str) -> bool:
        """Whether the caller is a manager and `owner_id` is on their team."""
        identity = self.require()
        if not identity.is_manager or owner_id == identity.user_id:
            return False
        owner = await self.load_user(owner_id)
        return owner is not None and owner.manager_id == identity.user_id

    def reads_owned_at_once(self, owner_id: str) -> bool:
        """Whether `can_read_owned` holds with no load: the caller is an admin or the owner
        (a read path that needs no coroutine then, resolvers/futures.py)."""
        identity = self.require()
        return identity.is_admin or owner_id == identity.user_id

    async def can_read_owned(self, owner_id: str) -> bool:
        """Read things a person owns (profile, submissions, media): self, manager, admin."""
        return self.reads_owned_at_once(owner_id) or await self.manages(owner_id)

    async def can_read_person(self, user: Person) -> bool:
        """Read a user record: as `can_read_owned`, and a user may see their own manager."""
        identity = self.require()
        if identity.is_admin or user.user_id == identity.user_id:
            return True
        if identity.is_manager and user.manager_id == identity.user_id:
            return True
        own = await self.own_record()
        return own is not None and own.manager_id == user.user_id

    async def check_owned(self, owner_id: str, *, what: str = "this") -> Identity:
        identity = self.require()
        if not await self.can_read_owned(owner_id):
            raise Forbidden(f"you may not access {what}")
        return identity

    def check_self_or_admin(self, owner_id: str, *, what: str = "this") -> Identity:
        """Changes: only the owner or an admin."""
        identity = self.require()
        if not (identity.is_admin or identity.user_id == owner_id):
            raise Forbidden(f"only its owner or an admin may change {what}")
        return identity
