"""Factories for people: real users created through the API, with real Cognito passwords."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from services.platform.settings import Settings
from tests.support.clients import Api, boto, login

PASSWORD = "Factory-Pass-2026!"
_counter = itertools.count()

CREATE_USER = """
mutation Create($input: CreateUserInput!) {
  createUser(input: $input) { id email role version profile { id managerId version } }
}
"""
CREATE_SUBMISSION = """
mutation Create($input: CreateSubmissionInput!) {
  createSubmission(input: $input) { id status version userId }
}
"""


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    role: str
    profile_id: str
    token: str


def make_person(
    api: Api,
    settings: Settings,
    admin_token: str,
    *,
    role: str = "USER",
    manager_id: str | None = None,
    **profile: Any,
) -> Person:
    """A new user (and profile) created by an admin, signed in with a password."""
    email = f"p{next(_counter)}-{uuid.uuid4().hex[:8]}@example.com"
    data = api.data(
        CREATE_USER,
        {
            "input": {
                "email": email,
                "username": email.split("@", maxsplit=1)[0],
                "role": role,
                "managerId": manager_id,
                "profile": profile or None,
            }
        },
        token=admin_token,
    )["createUser"]
    boto(settings, "cognito-idp").admin_set_user_password(
        UserPoolId=settings.cognito_user_pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    return Person(
        id=data["id"],
        email=email,
        role=role,
        profile_id=data["profile"]["id"],
        token=login(settings, email, PASSWORD),
    )


def make_submission(api: Api, owner: Person, title: str = "Pre-work") -> dict[str, Any]:
    created: dict[str, Any] = api.data(
        CREATE_SUBMISSION, {"input": {"title": title}}, token=owner.token
    )["createSubmission"]
    return created


@dataclass(frozen=True)
class Team:
    """A manager with two reports, and an outsider on another manager's team."""

    manager: Person
    member: Person
    member2: Person
    other_manager: Person
    outsider: Person


def make_team(api: Api, settings: Settings, admin_token: str) -> Team:
    manager = make_person(api, settings, admin_token, role="MANAGER")
    other = make_person(api, settings, admin_token, role="MANAGER")
    return Team(
        manager=manager,
        member=make_person(api, settings, admin_token, manager_id=manager.id, jobTitle="Dev"),
        member2=make_person(api, settings, admin_token, manager_id=manager.id),
        other_manager=other,
        outsider=make_person(api, settings, admin_token, manager_id=other.id),
    )
