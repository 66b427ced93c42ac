"""`totalCount` on the connections: exact sizes of whole lists, moved by every change."""

from __future__ import annotations

from typing import Any

from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.factories.media import request_upload
from tests.support.factories.people import make_submission, make_team

MINE = """
query {
  me {
    submissions(first: 1) { totalCount }
    submitted: submissions(status: SUBMITTED, first: 1) { totalCount }
    media(first: 1) { totalCount }
    documents: media(kind: DOCUMENT) { totalCount }
    pending: media(status: PENDING_UPLOAD) { totalCount }
    imageCollections { totalCount }
  }
}
"""
TEAM = """
query($m: ID!) {
  teamMembers(managerId: $m, first: 1) { totalCount }
  me { team(first: 1) { ...Total } }
  submissions(first: 1) { totalCount }
}
fragment Total on ProfileConnection { totalCount }
"""
SUBMISSION_MEDIA = "query($id: ID!) { submission(id: $id) { media { totalCount } } }"
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id } }"
COLLECT = 'mutation { createImageCollection(input: {name: "c", mediaIds: []}) { id } }'
DROP = "mutation($id: ID!) { deleteImageCollection(id: $id) }"
DELETE_MEDIA = "mutation($id: ID!) { deleteMedia(id: $id) }"
DEACTIVATE = "mutation($id: ID!) { deactivateUser(id: $id) { id } }"
USERS = """
query($role: Role, $all: Boolean, $after: String) {
  users(role: $role, includeInactive: $all, first: 100, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""
AUDIT = "query { auditLog(first: 1) { totalCount } }"


def _every_user(api: Api, token: str, **variables: Any) -> tuple[int, int]:
    """(totalCount, the number of users read by paging through the whole list)."""
    seen, after, total = 0, None, -1
    while True:
        page = api.data(USERS, {**variables, "after": after}, token=token)["users"]
        total = page["totalCount"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return total, seen
        after = page["pageInfo"]["endCursor"]


def test_my_lists_count_what_they_hold(api: Api, settings: Settings, admin_token: str) -> None:
    # given a member with three submissions (one submitted), two uploads (one attached)
    # and one collection
    team = make_team(api, settings, admin_token)
    member = team.member
    subs = [make_submission(api, member)["id"] for _ in range(3)]
    api.data(SUBMIT, {"id": subs[0]}, token=member.token)
    attached = request_upload(api, member.token, size=5, submission_id=subs[0]).media_id
    request_upload(api, member.token, size=5)
    collection = api.data(COLLECT, token=member.token)["createImageCollection"]["id"]
    # when they ask for the sizes of their lists
    me = api.data(MINE, token=member.token)["me"]
    # then each is exact, whatever the page size
    assert {k: v["totalCount"] for k, v in me.items()} == {
        "submissions": 3,
        "submitted": 1,
        "media": 2,
        "documents": 0,
        "pending": 2,
        "imageCollections": 1,
    }
    media = api.data(SUBMISSION_MEDIA, {"id": subs[0]}, token=member.token)
    assert media["submission"]["media"]["totalCount"] == 1
    # and the manager sees their team's sizes
    seen = api.data(TEAM, {"m": team.manager.id}, token=team.manager.token)
    assert seen["teamMembers"]["totalCount"] == seen["me"]["team"]["totalCount"] == 2
    assert seen["submissions"]["totalCount"] == 3
    # when an upload and the collection are deleted, then the counts follow
    api.data(DELETE_MEDIA, {"id": attached}, token=member.token)
    api.data(DROP, {"id": collection}, token=member.token)
    me = api.data(MINE, token=member.token)["me"]
    assert me["media"]["totalCount"] == 1
    assert me["imageCollections"]["totalCount"] == 0
    media = api.data(SUBMISSION_MEDIA, {"id": subs[0]}, token=member.token)
    assert media["submission"]["media"]["totalCount"] == 0


def test_users_total_is_what_paging_finds_and_follows_deactivation(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given some people
    team = make_team(api, settings, admin_token)
    # when an admin reads the user lists whole
    for variables in ({}, {"role": "MANAGER"}, {"role": "USER", "all": True}):
        total, seen = _every_user(api, admin_token, **variables)
        # then totalCount is the number of users the pages hold
        assert total == seen, variables
    active_before, _ = _every_user(api, admin_token, role="USER")
    # when a user is deactivated, then they leave the active count and stay in the full one
    everyone_before, _ = _every_user(api, admin_token, role="USER", all=True)
    api.data(DEACTIVATE, {"id": team.member.id}, token=admin_token)
    assert _every_user(api, admin_token, role="USER") == (active_before - 1, active_before - 1)
    assert _every_user(api, admin_token, role="USER", all=True)[0] == everyone_before


def test_the_audit_log_keeps_no_counter(api: Api, admin_token: str) -> None:
    assert api.data(AUDIT, token=admin_token)["auditLog"]["totalCount"] is None
