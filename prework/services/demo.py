"""Demo people for the local stack: an admin, a manager, and a user on the manager's team."""

from __future__ import annotations

from dataclasses import dataclass

from prework.services.container import Services
from prework.services.identity import SYSTEM, Identity, Role
from prework.services.records import User
from prework.services.users import NewProfile, create_user, find_by_email


@dataclass(frozen=True)
class DemoPerson:
    email: str
    username: str
    role: Role
    profile: NewProfile


ADMIN = DemoPerson(
    "admin@example.com",
    "ada.admin",
    Role.ADMIN,
    NewProfile(first_name="Ada", last_name="Admin", job_title="Platform Admin", department="IT"),
)
MANAGER = DemoPerson(
    "manager@example.com",
    "max.manager",
    Role.MANAGER,
    NewProfile(
        first_name="Max",
        last_name="Manager",
        job_title="Engineering Manager",
        department="Engineering",
    ),
)
USER = DemoPerson(
    "user@example.com",
    "uma.user",
    Role.USER,
    NewProfile(
        first_name="Uma", last_name="User", job_title="Software Engineer", department="Engineering"
    ),
)

_SEEDER = Identity(user_id=SYSTEM.user_id, username="seed.demo", groups=frozenset({"admin"}))


async def seed(*, services: Services, password: str) -> dict[str, User]:
    """Create the demo people unless they exist; returns them by email."""
    people: dict[str, User] = {}
    for person in (ADMIN, MANAGER, USER):
        existing = await find_by_email(services=services, email=person.email)
        if existing is None:
            manager = people.get(MANAGER.email) if person is USER else None
            profile = person.profile
            if manager is not None:
                profile = NewProfile(**{**profile.__dict__, "manager_id": manager.user_id})
            existing, _ = await create_user(
                services=services,
                actor=_SEEDER,
                email=person.email,
                username=person.username,
                role=person.role,
                profile=profile,
                password=password,
            )
        people[person.email] = existing
    return people
