"""Users, profiles, submissions and the audit log through GraphQL."""

from __future__ import annotations

import json

import pytest

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, boto, error_codes
from tests.support.factories.people import Person, make_person, make_submission, make_team

USER = "query($id: ID!) { user(id: $id) { id email username role isActive version } }"
BY_EMAIL = "query($email: String!) { userByEmail(email: $email) { id email } }"
USERS = """
query($role: Role, $inactive: Boolean, $first: Int, $after: String) {
  users(role: $role, includeInactive: $inactive, first: $first, after: $after) {
    edges { cursor node { id email role isActive } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_USER = """
mutation($id: ID!, $input: UpdateUserInput!, $v: Int) {
  updateUser(id: $id, input: $input, expectedVersion: $v) { id username role version }
}
"""
DEACTIVATE = "mutation($id: ID!) { deactivateUser(id: $id) { id isActive version } }"
PROFILE = "query($id: ID!) { profile(id: $id) { id jobTitle managerId user { email } version } }"
UPDATE_PROFILE = """
mutation($id: ID!, $input: UpdateProfileInput!, $v: Int) {
  updateProfile(id: $id, input: $input, expectedVersion: $v) { id jobTitle managerId version }
}
"""
TEAM = """
query($m: ID!, $first: Int, $after: String) {
  teamMembers(managerId: $m, first: $first, after: $after) {
    edges { cursor node { userId } } pageInfo { hasNextPage endCursor }
  }
}
"""
SUBMISSION = "query($id: ID!) { submission(id: $id) { id title status version owner { email } } }"
SUBMISSIONS = """
query($u: ID, $s: SubmissionStatus, $first: Int, $after: String) {
  submissions(userId: $u, status: $s, first: $first, after: $after) {
    edges { node { id status userId } } pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_SUBMISSION = """
mutation($id: ID!, $input: UpdateSubmissionInput!, $v: Int) {
  updateSubmission(id: $id, input: $input, expectedVersion: $v) { id title version }
}
"""
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id status submittedAt } }"
REVIEW = """
mutation($id: ID!, $d: ReviewDecision!, $note: String) {
  reviewSubmission(id: $id, decision: $d, note: $note) { id status reviewNote reviewer { id } }
}
"""
AUDIT = """
query($e: ID, $u: ID, $first: Int) {
  auditLog(entityId: $e, userId: $u, first: $first) {
    edges { node { entityId entityType action userId ownerId changes } }
  }
}
"""


def test_create_user_makes_user_profile_and_audit_entry_together(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given an admin
    # when they create a manager's report
    manager = make_person(api, settings, admin_token, role="MANAGER")
    person = make_person(
        api, settings, admin_token, manager_id=manager.id, jobTitle="Analyst", department="Ops"
    )
    # then the user, profile and audit entry exist and the person can sign in
    me = api.data(
        "{ me { email role profile { jobTitle department managerId } } }", token=person.token
    )
    assert me["me"]["profile"] == {
        "jobTitle": "Analyst",
        "department": "Ops",
        "managerId": manager.id,
    }
    entries = api.data(AUDIT, {"e": person.id}, token=admin_token)["auditLog"]["edges"]
    assert [e["node"]["action"] for e in entries] == ["CREATE"]
    assert entries[0]["node"]["entityType"] == "User"


def test_duplicate_email_is_a_conflict(api: Api, admin_token: str) -> None:
    # when an admin creates a user whose email exists
    body = api.run(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {"i": {"email": "USER@example.com", "username": "dup"}},
        token=admin_token,
    )
    # then
    assert error_codes(body) == ["CONFLICT"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("username", "   "),
        ("username", "x" * 65),
        ("username", "a\u202eb"),
    ],
)
def test_create_user_validates_input(api: Api, admin_token: str, field: str, value: str) -> None:
    # given an invalid value
    data = {"email": "valid@example.com", "username": "valid", field: value}
    # when
    body = api.run(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {"i": data},
        token=admin_token,
    )
    # then
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


def test_user_by_id_and_email(api: Api, settings: Settings, admin_token: str) -> None:
    # given
    person = make_person(api, settings, admin_token)
    # when / then
    assert api.data(USER, {"id": person.id}, token=person.token)["user"]["email"] == person.email
    found = api.data(BY_EMAIL, {"email": person.email.upper()}, token=admin_token)["userByEmail"]
    assert found["id"] == person.id
    assert api.data(USER, {"id": "no-such-user"}, token=admin_token)["user"] is None


def test_users_by_role_pages_with_cursors_and_no_repeats(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given several managers
    for _ in range(3):
        make_person(api, settings, admin_token, role="MANAGER")
    # when paging managers two at a time
    seen: list[str] = []
    after = None
    while True:
        page = api.data(USERS, {"role": "MANAGER", "first": 2, "after": after}, token=admin_token)
        edges = page["users"]["edges"]
        seen += [e["node"]["id"] for e in edges]
        assert all(e["node"]["role"] == "MANAGER" for e in edges)
        if not page["users"]["pageInfo"]["hasNextPage"]:
            break
        assert len(edges) == 2  # a full page whenever more remain
        after = page["users"]["pageInfo"]["endCursor"]
    # then every manager appears exactly once
    assert len(seen) == len(set(seen)) >= 4


def test_inactive_users_are_hidden_unless_asked(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a deactivated user
    person = make_person(api, settings, admin_token)
    deactivated = api.data(DEACTIVATE, {"id": person.id}, token=admin_token)["deactivateUser"]
    assert deactivated["isActive"] is False

    # when listing
    def ids(inactive: bool) -> set[str]:
        out: set[str] = set()
        after = None
        while True:
            page = api.data(
                USERS, {"inactive": inactive, "first": 100, "after": after}, token=admin_token
            )
            out |= {e["node"]["id"] for e in page["users"]["edges"]}
            if not page["users"]["pageInfo"]["hasNextPage"]:
                return out
            after = page["users"]["pageInfo"]["endCursor"]

    # then only includeInactive shows them, and the user is kept (soft delete)
    assert person.id not in ids(False)
    assert person.id in ids(True)
    assert api.data(USER, {"id": person.id}, token=admin_token)["user"]["isActive"] is False


def test_stale_expected_version_is_a_conflict_and_writes_nothing(
    api: Api, settings: Settings, admin_token: str, stack: Stack
) -> None:
    # given a user at version 1, updated once to version 2
    person = make_person(api, settings, admin_token)
    api.data(
        UPDATE_USER, {"id": person.id, "input": {"username": "first"}, "v": 1}, token=person.token
    )
    # when someone still holding version 1 writes
    body = api.run(
        UPDATE_USER, {"id": person.id, "input": {"username": "second"}, "v": 1}, token=person.token
    )
    # then CONFLICT, and the stored item is unchanged
    assert error_codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["currentVersion"] == 2
    item = boto(settings, "dynamodb").get_item(
        TableName=stack.runtime.tables.users, Key={"userId": {"S": person.id}}
    )["Item"]
    assert item["username"] == {"S": "first"}
    assert item["version"] == {"N": "2"}
    audit = api.data(AUDIT, {"e": person.id}, token=admin_token)["auditLog"]["edges"]
    assert sorted(e["node"]["action"] for e in audit) == ["CREATE", "UPDATE"]


def test_role_changes_are_admin_only(api: Api, settings: Settings, admin_token: str) -> None:
    # given a user
    person = make_person(api, settings, admin_token)
    # when they try to promote themself
    body = api.run(UPDATE_USER, {"id": person.id, "input": {"role": "ADMIN"}}, token=person.token)
    # then
    assert error_codes(body) == ["FORBIDDEN"]
    # and an admin may
    promoted = api.data(
        UPDATE_USER, {"id": person.id, "input": {"role": "MANAGER"}}, token=admin_token
    )
    assert promoted["updateUser"]["role"] == "MANAGER"
    groups = boto(settings, "cognito-idp").admin_list_groups_for_user(
        UserPoolId=settings.cognito_user_pool_id, Username=person.email
    )["Groups"]
    assert [g["GroupName"] for g in groups] == ["manager"]


def test_profile_update_and_manager_assignment(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a person without a manager, and a manager
    person = make_person(api, settings, admin_token)
    manager = make_person(api, settings, admin_token, role="MANAGER")
    # when the person edits their profile
    updated = api.data(
        UPDATE_PROFILE,
        {"id": person.profile_id, "input": {"jobTitle": "Lead"}, "v": 1},
        token=person.token,
    )["updateProfile"]
    assert updated == {"id": person.profile_id, "jobTitle": "Lead", "managerId": None, "version": 2}
    # and tries to pick their own manager
    body = api.run(
        UPDATE_PROFILE,
        {"id": person.profile_id, "input": {"managerId": manager.id}},
        token=person.token,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    # then an admin assigns the manager, and the team shows them
    api.data(
        UPDATE_PROFILE,
        {"id": person.profile_id, "input": {"managerId": manager.id}},
        token=admin_token,
    )
    team = api.data(TEAM, {"m": manager.id}, token=manager.token)["teamMembers"]["edges"]
    assert [e["node"]["userId"] for e in team] == [person.id]
    # and a non-manager cannot be assigned
    body = api.run(
        UPDATE_PROFILE,
        {"id": person.profile_id, "input": {"managerId": person.id}},
        token=admin_token,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_submission_lifecycle_with_review(api: Api, settings: Settings, admin_token: str) -> None:
    # given a team and a draft
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member, "Week 1")
    assert draft["status"] == "DRAFT"
    # when the member edits and submits it
    edited = api.data(
        UPDATE_SUBMISSION,
        {"id": draft["id"], "input": {"title": "Week 1 (final)"}, "v": 1},
        token=team.member.token,
    )["updateSubmission"]
    assert edited == {"id": draft["id"], "title": "Week 1 (final)", "version": 2}
    assert (
        api.data(SUBMIT, {"id": draft["id"]}, token=team.member.token)["submitSubmission"]["status"]
        == "SUBMITTED"
    )
    # then a submitted one cannot be edited or submitted again
    body = api.run(
        UPDATE_SUBMISSION, {"id": draft["id"], "input": {"title": "x"}}, token=team.member.token
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert error_codes(api.run(SUBMIT, {"id": draft["id"]}, token=team.member.token)) == [
        "BAD_USER_INPUT"
    ]
    # and the other manager may not review, the member may not review their own
    for token in (team.other_manager.token, team.member.token):
        body = api.run(REVIEW, {"id": draft["id"], "d": "APPROVE"}, token=token)
        assert error_codes(body) == ["FORBIDDEN"]
    # when the manager reviews it
    started = api.data(REVIEW, {"id": draft["id"], "d": "START_REVIEW"}, token=team.manager.token)
    assert started["reviewSubmission"]["status"] == "IN_REVIEW"
    done = api.data(
        REVIEW, {"id": draft["id"], "d": "REJECT", "note": "add tests"}, token=team.manager.token
    )
    # then
    assert done["reviewSubmission"] == {
        "id": draft["id"],
        "status": "REJECTED",
        "reviewNote": "add tests",
        "reviewer": {"id": team.manager.id},
    }
    # and a rejected one cannot be approved, but can be resubmitted
    assert error_codes(
        api.run(REVIEW, {"id": draft["id"], "d": "APPROVE"}, token=team.manager.token)
    ) == ["BAD_USER_INPUT"]
    assert (
        api.data(SUBMIT, {"id": draft["id"]}, token=team.member.token)["submitSubmission"]["status"]
        == "SUBMITTED"
    )
    approved = api.data(REVIEW, {"id": draft["id"], "d": "APPROVE"}, token=admin_token)
    assert approved["reviewSubmission"]["status"] == "APPROVED"
    actions = [
        e["node"]["action"]
        for e in api.data(AUDIT, {"e": draft["id"]}, token=admin_token)["auditLog"]["edges"]
    ]
    assert sorted(actions) == sorted(
        ["CREATE", "UPDATE", "SUBMIT", "REVIEW", "REVIEW", "SUBMIT", "REVIEW"]
    )


def test_submissions_filters_and_visibility(api: Api, settings: Settings, admin_token: str) -> None:
    # given two team members' submissions and an outsider's
    team = make_team(api, settings, admin_token)
    mine = make_submission(api, team.member)
    api.data(SUBMIT, {"id": mine["id"]}, token=team.member.token)
    make_submission(api, team.member2)
    theirs = make_submission(api, team.outsider)
    api.data(SUBMIT, {"id": theirs["id"]}, token=team.outsider.token)
    # when the manager lists SUBMITTED ones without a user
    page = api.data(SUBMISSIONS, {"s": "SUBMITTED"}, token=team.manager.token)["submissions"]
    # then only their team's appear
    assert [e["node"]["id"] for e in page["edges"]] == [mine["id"]]
    # and a user without userId sees their own only
    own = api.data(SUBMISSIONS, {}, token=team.member2.token)["submissions"]["edges"]
    assert {e["node"]["userId"] for e in own} == {team.member2.id}
    # and a user may not list another's
    body = api.run(SUBMISSIONS, {"u": team.member.id}, token=team.member2.token)
    assert error_codes(body) == ["FORBIDDEN"]


def test_status_filter_never_returns_a_short_page_while_matches_remain(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given one user with 3 drafts and 3 submitted, interleaved
    person = make_person(api, settings, admin_token)
    submitted = []
    for i in range(6):
        created = make_submission(api, person, f"s{i}")
        if i % 2:
            api.data(SUBMIT, {"id": created["id"]}, token=person.token)
            submitted.append(created["id"])
    # when paging SUBMITTED two at a time
    first = api.data(
        SUBMISSIONS, {"u": person.id, "s": "SUBMITTED", "first": 2}, token=person.token
    )
    page = first["submissions"]
    # then the first page is full and the second has the rest
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    rest = api.data(
        SUBMISSIONS,
        {"u": person.id, "s": "SUBMITTED", "first": 2, "after": page["pageInfo"]["endCursor"]},
        token=person.token,
    )["submissions"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    got = [e["node"]["id"] for e in page["edges"] + rest["edges"]]
    assert sorted(got) == sorted(submitted)


def test_tampered_or_replayed_cursors_are_bad_input(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a cursor from one user's submissions
    person = make_person(api, settings, admin_token)
    other = make_person(api, settings, admin_token)
    for _ in range(2):
        make_submission(api, person)
        make_submission(api, other)
    page = api.data(SUBMISSIONS, {"u": person.id, "first": 1}, token=admin_token)["submissions"]
    cursor = page["pageInfo"]["endCursor"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    # when it is tampered with, or replayed on another partition or another query
    cases = [
        (SUBMISSIONS, {"u": person.id, "after": flipped}),
        (SUBMISSIONS, {"u": other.id, "after": cursor}),
        (USERS, {"after": cursor}),
        (SUBMISSIONS, {"u": person.id, "after": "garbage!"}),
    ]
    # then each is BAD_USER_INPUT
    for query, variables in cases:
        assert error_codes(api.run(query, variables, token=admin_token)) == ["BAD_USER_INPUT"], (
            variables
        )


def test_first_is_capped(api: Api, admin_token: str) -> None:
    # when asking for more than the maximum page, or none
    for first in (101, 0, -1):
        body = api.run(USERS, {"first": first}, token=admin_token)
        # then
        assert error_codes(body) == ["BAD_USER_INPUT"]


def test_audit_changes_record_before_and_after(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a profile change
    person: Person = make_person(api, settings, admin_token)
    api.data(
        UPDATE_PROFILE, {"id": person.profile_id, "input": {"jobTitle": "QA"}}, token=person.token
    )
    # when reading its audit log as the owner
    entries = api.data(AUDIT, {"e": person.profile_id}, token=person.token)["auditLog"]["edges"]
    # then the change names the field, old and new values, and who did it
    change = next(e["node"] for e in entries if e["node"]["action"] == "UPDATE")
    assert json.loads(change["changes"])["jobTitle"] == {"from": None, "to": "QA"}
    assert change["userId"] == person.id
