"""Demo people for the local stack: an admin, a manager, and a user on the manager's team."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.auth.identity import SYSTEM, Identity, Role
from services.people import (
    NewProfile,
    User,
    create_user,
    find_by_email,
    get_user,
    update_profile,
    viewer_for,
)
from services.runtime.wiring import Runtime
from services.submissions import create_submission


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

# In seeding order: the user's manager exists before the user.
PEOPLE = (ADMIN, MANAGER, USER)

_SEEDER = Identity(user_id=SYSTEM.user_id, username="seed.demo", groups=frozenset({"admin"}))


async def seed(*, runtime: Runtime, password: str) -> dict[str, User]:
    """Create the demo people unless they exist; returns them by email."""
    people: dict[str, User] = {}
    for person in PEOPLE:
        existing = await find_by_email(runtime=runtime, email=person.email)
        if existing is None:
            manager = people.get(MANAGER.email) if person is USER else None
            profile = person.profile
            if manager is not None:
                profile = NewProfile(**{**profile.__dict__, "manager_id": manager.user_id})
            existing, _ = await create_user(
                runtime=runtime,
                actor=_SEEDER,
                email=person.email,
                username=person.username,
                role=person.role,
                profile=profile,
                password=password,
            )
        people[person.email] = existing
    return people


@dataclass(frozen=True)
class Org:
    """What `seed_org` made: every person has a manager (the two managers manage each other)."""

    manager_ids: tuple[str, str]
    member_ids: list[str]
    submission_ids: list[str]


async def seed_org(
    *,
    runtime: Runtime,
    people: int,
    domain: str,
    submissions_every: int = 3,
    submissions_each: int = 1,
    concurrency: int = 8,
) -> Org:
    """A larger organisation for benchmarks and batching tests: two managers who manage each
    other and `people` members of the first, every `submissions_every`-th with
    `submissions_each` drafts. Everyone has a manager, so nested reads are uniform."""
    seeder = Identity(
        user_id=SYSTEM.user_id, username=f"seed.{domain}", groups=frozenset({"admin"})
    )
    boss, _ = await create_user(
        runtime=runtime, actor=seeder, email=f"boss@{domain}", username="boss", role=Role.MANAGER
    )
    deputy, _ = await create_user(
        runtime=runtime,
        actor=seeder,
        email=f"deputy@{domain}",
        username="deputy",
        role=Role.MANAGER,
        profile=NewProfile(manager_id=boss.user_id),
    )
    viewer = viewer_for(
        runtime=runtime, identity=seeder, load_user=lambda i: get_user(runtime=runtime, user_id=i)
    )
    await update_profile(
        runtime=runtime,
        viewer=viewer,
        profile_id=boss.profile_id,
        changes=NewProfile(),
        manager_id=deputy.user_id,
    )
    members: list[str] = []
    drafts: list[str] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            person, _ = await create_user(
                runtime=runtime,
                actor=seeder,
                email=f"member{i}@{domain}",
                username=f"member{i}",
                profile=NewProfile(manager_id=boss.user_id, job_title="Engineer"),
            )
            members.append(person.user_id)
            if i % submissions_every:
                return
            owner = viewer_for(
                runtime=runtime,
                identity=Identity(user_id=person.user_id, username=person.username),
                load_user=viewer.load_user,
            )
            for k in range(submissions_each):
                made = await create_submission(runtime=runtime, viewer=owner, title=f"t{i}.{k}")
                drafts.append(made.submission_id)

    await asyncio.gather(*(one(i) for i in range(people)))
    return Org(
        manager_ids=(boss.user_id, deputy.user_id), member_ids=members, submission_ids=drafts
    )
