"""The authorization matrix for media and image collections, and for both subscriptions:
anonymous, the user, another user, the user's manager, another manager and an admin, against
every media/collection field and mutation aimed at the user's data. Signed cursors of media
and collection connections replayed elsewhere are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.sync.client import connect

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, error_codes
from tests.support.factories.media import ready_image, request_upload, wait_for
from tests.support.factories.people import Team, make_submission, make_team

ACTORS = ("anonymous", "user", "other_user", "manager", "other_manager", "admin")
OK = "ok"
UNAUTH = "UNAUTHENTICATED"
FORBID = "FORBIDDEN"
BAD = "BAD_USER_INPUT"


def _rule(**outcomes: str) -> dict[str, str]:
    return {"anonymous": UNAUTH, **outcomes}


OWNER_TEAM_ADMIN = _rule(user=OK, other_user=FORBID, manager=OK, other_manager=FORBID, admin=OK)
OWNER_ADMIN = _rule(user=OK, other_user=FORBID, manager=FORBID, other_manager=FORBID, admin=OK)
# docs/media.md: `submissionId` must name one of the caller's own submissions (an upload is
# owned by whoever uploads it), so not even an admin attaches files to someone else's.
OWNER_ONLY = _rule(user=OK, other_user=FORBID, manager=FORBID, other_manager=FORBID, admin=FORBID)
# Only images the caller may see can go into a collection (their own, their team's, any for an
# admin); others are named in a BAD_USER_INPUT, without saying whose they are.
VISIBLE_IMAGES = _rule(user=OK, other_user=BAD, manager=OK, other_manager=BAD, admin=OK)

MEDIA = "query($id: ID!) { media(id: $id) { id } }"
MEDIA_URLS = (
    "query($id: ID!) { media(id: $id) { url thumbnailUrl t400: thumbnailUrl(width: 400) } }"
)
REQUEST_UPLOAD = """
mutation($s: ID!) {
  requestUpload(input: {filename: "a.jpg", contentType: "image/jpeg", size: 10, kind: IMAGE,
                        submissionId: $s}) { media { id } }
}
"""
COMPLETE = "mutation($id: ID!) { completeUpload(mediaId: $id) { id } }"
DELETE_MEDIA = "mutation($id: ID!) { deleteMedia(id: $id) }"
COLLECTION = "query($id: ID!) { imageCollection(id: $id) { id } }"
CREATE_COLLECTION = """
mutation($ids: [ID!]!) { createImageCollection(input: {name: "m", mediaIds: $ids}) { id } }
"""
ADD = "mutation($id: ID!, $ids: [ID!]!) { addImagesToCollection(id: $id, mediaIds: $ids) { id } }"
REMOVE = """
mutation($id: ID!, $ids: [ID!]!) { removeImagesFromCollection(id: $id, mediaIds: $ids) { id } }
"""
DELETE_COLLECTION = "mutation($id: ID!) { deleteImageCollection(id: $id) }"
USER_COLLECTIONS = """
query($id: ID!, $after: String) {
  user(id: $id) { imageCollections(first: 1, after: $after) {
    edges { node { id } } pageInfo { endCursor } } }
}
"""
SUBMISSION_MEDIA = """
query($id: ID!, $after: String) {
  submission(id: $id) { media(first: 1, after: $after) {
    edges { node { id } } pageInfo { endCursor } } }
}
"""
MEDIA_CHANGES = "subscription($id: ID) { mediaStatusChanged(mediaId: $id) { id } }"
SUBMISSION_CHANGES = "subscription($id: ID) { submissionStatusChanged(submissionId: $id) { id } }"


@dataclass
class World:
    api: Api
    team: Team
    admin_token: str
    image: str  # a READY image of the member
    submission: str  # the member's submission, with two uploads attached
    collection: str  # the member's collection of `image`

    def token(self, actor: str) -> str | None:
        return {
            "anonymous": None,
            "user": self.team.member.token,
            "other_user": self.team.outsider.token,
            "manager": self.team.manager.token,
            "other_manager": self.team.other_manager.token,
            "admin": self.admin_token,
        }[actor]

    def pending(self) -> str:
        """A fresh upload of the member's (for mutations that use one up)."""
        return request_upload(self.api, self.team.member.token, size=10).media_id

    def new_collection(self) -> str:
        created = self.api.data(
            CREATE_COLLECTION, {"ids": [self.image]}, token=self.team.member.token
        )
        return str(created["createImageCollection"]["id"])


Vars = Callable[[World], dict[str, Any]]
CASES: dict[str, tuple[str, Vars, dict[str, str]]] = {
    "media": (MEDIA, lambda w: {"id": w.image}, OWNER_TEAM_ADMIN),
    "Media.url/thumbnailUrl": (MEDIA_URLS, lambda w: {"id": w.image}, OWNER_TEAM_ADMIN),
    "requestUpload(submissionId)": (REQUEST_UPLOAD, lambda w: {"s": w.submission}, OWNER_ONLY),
    "completeUpload": (COMPLETE, lambda w: {"id": w.image}, OWNER_ADMIN),
    "deleteMedia": (DELETE_MEDIA, lambda w: {"id": w.pending()}, OWNER_ADMIN),
    "imageCollection": (COLLECTION, lambda w: {"id": w.collection}, OWNER_TEAM_ADMIN),
    "createImageCollection": (CREATE_COLLECTION, lambda w: {"ids": [w.image]}, VISIBLE_IMAGES),
    "addImagesToCollection": (
        ADD,
        lambda w: {"id": w.collection, "ids": [w.image]},
        OWNER_ADMIN,
    ),
    "removeImagesFromCollection": (
        REMOVE,
        lambda w: {"id": w.new_collection(), "ids": [w.image]},
        OWNER_ADMIN,
    ),
    "deleteImageCollection": (
        DELETE_COLLECTION,
        lambda w: {"id": w.new_collection()},
        OWNER_ADMIN,
    ),
    "User.imageCollections": (
        USER_COLLECTIONS,
        lambda w: {"id": w.team.member.id},
        OWNER_TEAM_ADMIN,
    ),
    "Submission.media": (SUBMISSION_MEDIA, lambda w: {"id": w.submission}, OWNER_TEAM_ADMIN),
}


@pytest.fixture(scope="module")
def world(api: Api, settings: Settings, admin_token: str) -> World:
    team = make_team(api, settings, admin_token)
    member = team.member.token
    submission = str(make_submission(api, team.member)["id"])
    for _ in range(2):
        request_upload(api, member, size=10, submission_id=submission)
    image = ready_image(api, member, seed=71)["id"]
    w = World(api, team, admin_token, image=image, submission=submission, collection="")
    w.collection = w.new_collection()
    w.new_collection()  # a second one, so the member's collections span two pages of one
    return w


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(CASES))
def test_media_and_collections_matrix(world: World, operation: str, actor: str) -> None:
    # given the operation aimed at the team member's media or collections
    document, variables, expected = CASES[operation]
    # when the actor runs it
    body = world.api.run(document, variables(world), token=world.token(actor))
    # then it succeeds or fails with exactly the expected code
    outcome = OK if not body.get("errors") else error_codes(body)[0]
    assert outcome == expected[actor], body


# Subscribing to one item: checked at subscribe time like reading it.
SUBSCRIPTIONS_RULE = OWNER_TEAM_ADMIN
SUBSCRIPTIONS: dict[str, tuple[str, str, Callable[[World], str]]] = {
    "mediaStatusChanged": (MEDIA_CHANGES, "media", lambda w: w.image),
    "submissionStatusChanged": (SUBMISSION_CHANGES, "submission", lambda w: w.submission),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("subscription", sorted(SUBSCRIPTIONS))
def test_subscriptions_matrix(world: World, stack: Stack, subscription: str, actor: str) -> None:
    # given a subscription to the member's media item or submission
    document, channel, target = SUBSCRIPTIONS[subscription]
    # (earlier subscriptions have been torn down, so a new one is counted unambiguously)
    wait_for(lambda: stack.runtime.events.subscribers(channel) == 0, what="no subscribers")
    before = 0
    url = stack.server.url.replace("http://", "ws://") + "/graphql"
    token = world.token(actor)
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        # when the actor subscribes
        variables = {"id": target(world)}
        ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": document, "variables": variables},
                }
            )
        )

        # then it is refused at once with the expected code, or registered and kept open
        def outcome() -> str | None:
            try:
                message = json.loads(ws.recv(timeout=0.05))
            except TimeoutError:
                return OK if stack.runtime.events.subscribers(channel) > before else None
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            return str(errors[0]["extensions"]["code"])

        assert (
            wait_for(outcome, timeout=10, what="the subscription's fate")
            == SUBSCRIPTIONS_RULE[actor]
        )


def _end_cursor(world: World, document: str, variables: dict[str, Any]) -> str:
    body = world.api.data(document, variables, token=world.admin_token)
    connection = next(iter(next(iter(body.values())).values()))
    cursor: str = connection["pageInfo"]["endCursor"]
    assert cursor
    return cursor


def test_media_and_collection_cursors_replayed_elsewhere_are_bad_input(
    world: World, api: Api, settings: Settings
) -> None:
    # given a cursor from the member's submission's media and one from their collections
    media_cursor = _end_cursor(world, SUBMISSION_MEDIA, {"id": world.submission})
    collections_cursor = _end_cursor(world, USER_COLLECTIONS, {"id": world.team.member.id})
    other_submission = str(make_submission(api, world.team.member2)["id"])
    request_upload(api, world.team.member2.token, size=10, submission_id=other_submission)
    flipped = media_cursor[:-2] + ("A" if media_cursor[-2] != "A" else "B") + media_cursor[-1]
    # when each is tampered with, or replayed on another partition or another connection
    cases = [
        (SUBMISSION_MEDIA, {"id": world.submission, "after": flipped}),
        (SUBMISSION_MEDIA, {"id": other_submission, "after": media_cursor}),
        (SUBMISSION_MEDIA, {"id": world.submission, "after": collections_cursor}),
        (USER_COLLECTIONS, {"id": world.team.member2.id, "after": collections_cursor}),
        (USER_COLLECTIONS, {"id": world.team.member.id, "after": media_cursor}),
    ]
    # then each is BAD_USER_INPUT, as an admin who could otherwise read all of them
    for document, variables in cases:
        body = api.run(document, variables, token=world.admin_token)
        assert error_codes(body) == ["BAD_USER_INPUT"], (variables, body)
    # and the genuine cursors still work where they belong
    api.data(
        SUBMISSION_MEDIA, {"id": world.submission, "after": media_cursor}, token=world.admin_token
    )
