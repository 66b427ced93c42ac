"""The authorization matrix: anonymous, the user, another user, the user's manager, another
manager and an admin, against every people-side query and mutation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.platform.settings import Settings
from tests.support.clients import Api, error_codes
from tests.support.factories.people import Team, make_submission, make_team

ACTORS = ("anonymous", "user", "other_user", "manager", "other_manager", "admin")
OK = "ok"
UNAUTH = "UNAUTHENTICATED"
FORBID = "FORBIDDEN"


@dataclass(frozen=True)
class World:
    api: Api
    team: Team
    admin_token: str

    def token(self, actor: str) -> str | None:
        return {
            "anonymous": None,
            "user": self.team.member.token,
            "other_user": self.team.outsider.token,
            "manager": self.team.manager.token,
            "other_manager": self.team.other_manager.token,
            "admin": self.admin_token,
        }[actor]

    def draft(self) -> str:
        return str(make_submission(self.api, self.team.member)["id"])

    def submitted(self) -> str:
        sid = self.draft()
        self.api.data(SUBMIT, {"id": sid}, token=self.team.member.token)
        return sid


SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id } }"

# Who may do it, as the member's own data is the target. Same-row expectations reuse these.
OWNER_TEAM_ADMIN = {
    "anonymous": UNAUTH,
    "user": OK,
    "other_user": FORBID,
    "manager": OK,
    "other_manager": FORBID,
    "admin": OK,
}
OWNER_ADMIN = {
    "anonymous": UNAUTH,
    "user": OK,
    "other_user": FORBID,
    "manager": FORBID,
    "other_manager": FORBID,
    "admin": OK,
}
MANAGER_ADMIN = {
    "anonymous": UNAUTH,
    "user": FORBID,
    "other_user": FORBID,
    "manager": OK,
    "other_manager": FORBID,
    "admin": OK,
}
ADMIN_ONLY = {
    "anonymous": UNAUTH,
    "user": FORBID,
    "other_user": FORBID,
    "manager": FORBID,
    "other_manager": FORBID,
    "admin": OK,
}
SIGNED_IN = {
    "anonymous": UNAUTH,
    "user": OK,
    "other_user": OK,
    "manager": OK,
    "other_manager": OK,
    "admin": OK,
}

Vars = Callable[[World], dict[str, Any]]
CASES: dict[str, tuple[str, Vars, dict[str, str]]] = {
    "me": ("{ me { id } }", lambda w: {}, SIGNED_IN),
    "user": (
        "query($id: ID!) { user(id: $id) { id } }",
        lambda w: {"id": w.team.member.id},
        OWNER_TEAM_ADMIN,
    ),
    "userByEmail": (
        "query($e: String!) { userByEmail(email: $e) { id } }",
        lambda w: {"e": w.team.member.email},
        OWNER_TEAM_ADMIN,
    ),
    "users": ("{ users { edges { node { id } } } }", lambda w: {}, ADMIN_ONLY),
    "profile": (
        "query($id: ID!) { profile(id: $id) { id } }",
        lambda w: {"id": w.team.member.profile_id},
        OWNER_TEAM_ADMIN,
    ),
    "teamMembers": (
        "query($m: ID!) { teamMembers(managerId: $m) { edges { node { id } } } }",
        lambda w: {"m": w.team.manager.id},
        MANAGER_ADMIN,
    ),
    "submission": (
        "query($id: ID!) { submission(id: $id) { id } }",
        lambda w: {"id": w.draft()},
        OWNER_TEAM_ADMIN,
    ),
    "submissions": (
        "query($u: ID!) { submissions(userId: $u) { edges { node { id } } } }",
        lambda w: {"u": w.team.member.id},
        OWNER_TEAM_ADMIN,
    ),
    "auditLog": (
        "query($u: ID!) { auditLog(userId: $u) { edges { node { id } } } }",
        lambda w: {"u": w.team.member.id},
        OWNER_TEAM_ADMIN,
    ),
    "User.submissions": (
        "query($id: ID!) { user(id: $id) { submissions { edges { node { id } } } } }",
        lambda w: {"id": w.team.member.id},
        OWNER_TEAM_ADMIN,
    ),
    "createUser": (
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        lambda w: {"i": {"email": f"matrix-{id(w)}-{_n()}@example.com", "username": "matrix"}},
        ADMIN_ONLY,
    ),
    "updateUser": (
        'mutation($id: ID!) { updateUser(id: $id, input: {username: "renamed"}) { id } }',
        lambda w: {"id": w.team.member.id},
        OWNER_ADMIN,
    ),
    "deactivateUser": (
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
        lambda w: {"id": w.team.member2.id},
        ADMIN_ONLY,
    ),
    "updateProfile": (
        'mutation($id: ID!) { updateProfile(id: $id, input: {jobTitle: "T"}) { id } }',
        lambda w: {"id": w.team.member.profile_id},
        OWNER_ADMIN,
    ),
    "createSubmission": (
        'mutation { createSubmission(input: {title: "x"}) { id } }',
        lambda w: {},
        SIGNED_IN,
    ),
    "updateSubmission": (
        'mutation($id: ID!) { updateSubmission(id: $id, input: {title: "y"}) { id } }',
        lambda w: {"id": w.draft()},
        OWNER_ADMIN,
    ),
    "submitSubmission": (SUBMIT, lambda w: {"id": w.draft()}, OWNER_ADMIN),
    "reviewSubmission": (
        "mutation($id: ID!) { reviewSubmission(id: $id, decision: APPROVE) { id } }",
        lambda w: {"id": w.submitted()},
        MANAGER_ADMIN,
    ),
}

_counter = iter(range(10**9))


def _n() -> int:
    return next(_counter)


@pytest.fixture(scope="module")
def world(api: Api, settings: Settings, admin_token: str) -> World:
    return World(api=api, team=make_team(api, settings, admin_token), admin_token=admin_token)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(CASES))
def test_authorization_matrix(world: World, operation: str, actor: str) -> None:
    # given the operation aimed at the team member's data
    document, variables, expected = CASES[operation]
    # when the actor runs it
    body = world.api.run(document, variables(world), token=world.token(actor))
    # then it succeeds or fails with exactly the expected code
    outcome = OK if not body.get("errors") else error_codes(body)[0]
    assert outcome == expected[actor], body
