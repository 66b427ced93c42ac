"""`User.media`: a person's uploads, filtered by kind and status, for the person, their
manager and an admin only."""

from __future__ import annotations

from services.platform.settings import Settings
from tests.support.clients import Api, error_codes
from tests.support.factories.media import request_upload
from tests.support.factories.people import make_team

MY_MEDIA = """
query($kind: MediaKind, $status: MediaStatus, $first: Int, $after: String) {
  me { media(kind: $kind, status: $status, first: $first, after: $after) {
    edges { node { id kind status } } pageInfo { hasNextPage endCursor }
  } }
}
"""
USER_MEDIA = """
query($id: ID!) { user(id: $id) { media { edges { node { id } } } } }
"""


def test_me_media_lists_my_uploads_by_kind_and_status_in_pages(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a person with three image uploads and one document, all pending
    team = make_team(api, settings, admin_token)
    token = team.member.token
    images = {request_upload(api, token, size=10).media_id for _ in range(3)}
    document = request_upload(
        api, token, size=10, kind="DOCUMENT", filename="a.pdf", content_type="application/pdf"
    ).media_id
    # when they page through their images two at a time
    seen: list[str] = []
    after = None
    while True:
        page = api.data(MY_MEDIA, {"kind": "IMAGE", "first": 2, "after": after}, token=token)
        media = page["me"]["media"]
        seen += [e["node"]["id"] for e in media["edges"]]
        if not media["pageInfo"]["hasNextPage"]:
            break
        after = media["pageInfo"]["endCursor"]
    # then they see exactly their images, and the document under DOCUMENT
    assert sorted(seen) == sorted(images)
    docs = api.data(MY_MEDIA, {"kind": "DOCUMENT"}, token=token)["me"]["media"]["edges"]
    assert [e["node"]["id"] for e in docs] == [document]
    ready = api.data(MY_MEDIA, {"status": "READY"}, token=token)["me"]["media"]["edges"]
    assert ready == []


def test_user_media_is_for_the_owner_their_manager_and_admins(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a member with one upload
    team = make_team(api, settings, admin_token)
    media_id = request_upload(api, team.member.token, size=10).media_id
    variables = {"id": team.member.id}
    # when the manager and an admin list it, then they see it
    for token in (team.manager.token, admin_token):
        found = api.data(USER_MEDIA, variables, token=token)["user"]["media"]["edges"]
        assert [e["node"]["id"] for e in found] == [media_id]
    # and a member, who may read their manager's user record, may not list the manager's uploads
    body = api.run(USER_MEDIA, {"id": team.manager.id}, token=team.member.token)
    assert error_codes(body) == ["FORBIDDEN"]
