"""Image collections: ordered lists of READY images, versioned and audited, per owner."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Stack
from tests.support.clients import Api, CallLog, error_codes
from tests.support.factories.media import ready_image, request_upload

FIELDS = "id name ownerId mediaIds version images { id status width }"
CREATE = f"""
mutation Create($name: String!, $ids: [ID!]!) {{
  createImageCollection(input: {{name: $name, mediaIds: $ids}}) {{ {FIELDS} }}
}}
"""
ADD = f"""
mutation Add($id: ID!, $ids: [ID!]!) {{
  addImagesToCollection(id: $id, mediaIds: $ids) {{ {FIELDS} }}
}}
"""
REMOVE = f"""
mutation Remove($id: ID!, $ids: [ID!]!) {{
  removeImagesFromCollection(id: $id, mediaIds: $ids) {{ {FIELDS} }}
}}
"""
RENAME = f"""
mutation Rename($id: ID!, $name: String!, $v: Int) {{
  renameImageCollection(id: $id, name: $name, expectedVersion: $v) {{ {FIELDS} }}
}}
"""
DELETE = "mutation Delete($id: ID!) { deleteImageCollection(id: $id) }"
GET = f"query Get($id: ID!) {{ imageCollection(id: $id) {{ {FIELDS} owner {{ email }} }} }}"
MINE = "{ me { imageCollections(first: 50) { edges { node { id name } } } } }"


@pytest.fixture(scope="module")
def photos(api: Api, user_token: str) -> list[str]:
    """Three READY images of the demo user."""
    return [ready_image(api, user_token, seed=40 + i)["id"] for i in range(3)]


def _create(api: Api, token: str, name: str, ids: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = api.data(CREATE, {"name": name, "ids": ids}, token=token)[
        "createImageCollection"
    ]
    return result


def test_a_collection_keeps_order_and_drops_duplicates(
    api: Api, user_token: str, photos: list[str]
) -> None:
    # given three READY images
    a, b, c = photos
    # when a collection is made of them out of order, one twice
    created = _create(api, user_token, "Holiday", [c, a, c, b])
    # then the order is kept, the duplicate dropped, and the images resolve
    assert created["mediaIds"] == [c, a, b]
    assert [i["id"] for i in created["images"]] == [c, a, b]
    assert all(i["status"] == "READY" for i in created["images"])
    assert created["version"] == 1
    # and it can be found by id alone and among the owner's collections
    found = api.data(GET, {"id": created["id"]}, token=user_token)["imageCollection"]
    assert found["owner"]["email"] == "user@example.com"
    mine = api.data(MINE, token=user_token)["me"]["imageCollections"]["edges"]
    assert created["id"] in {e["node"]["id"] for e in mine}


def test_add_remove_and_rename_are_versioned(api: Api, user_token: str, photos: list[str]) -> None:
    # given a collection of one image
    a, b, c = photos
    created = _create(api, user_token, "Work", [a])
    # when images are added (one already there), one removed and the collection renamed
    added = api.data(ADD, {"id": created["id"], "ids": [b, a, c]}, token=user_token)
    removed = api.data(REMOVE, {"id": created["id"], "ids": [b, "not-in-it"]}, token=user_token)
    renamed = api.data(
        RENAME, {"id": created["id"], "name": "Work 2026", "v": 3}, token=user_token
    )["renameImageCollection"]
    # then each change is applied in order and bumps the version
    assert added["addImagesToCollection"]["mediaIds"] == [a, b, c]
    assert removed["removeImagesFromCollection"]["mediaIds"] == [a, c]
    assert (renamed["name"], renamed["version"], renamed["mediaIds"]) == ("Work 2026", 4, [a, c])
    # and a write over a stale version is a conflict
    stale = api.run(RENAME, {"id": created["id"], "name": "x", "v": 1}, token=user_token)
    assert error_codes(stale) == ["CONFLICT"]


def test_only_ready_images_the_caller_may_see_can_be_added(
    api: Api, user_token: str, manager_token: str, photos: list[str]
) -> None:
    # given a pending upload, an unknown id and the manager's READY image
    pending = request_upload(api, user_token, size=10).media_id
    managers = ready_image(api, manager_token, seed=49)["id"]
    # when a collection is made with them and a good image
    body = api.run(
        CREATE,
        {"name": "Mixed", "ids": [photos[0], pending, "no-such-media", managers]},
        token=user_token,
    )
    # then it is refused, naming exactly the bad ids
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["mediaIds"] == [pending, "no-such-media", managers]


def test_images_of_a_collection_are_read_in_one_batch(
    api: Api, user_token: str, photos: list[str], stack: Stack
) -> None:
    # given a collection of three images
    created = _create(api, user_token, "Batch", photos)
    log = CallLog()
    stack.runtime.aws.listeners.append(log)
    try:
        # when it is read with its images
        api.data(GET, {"id": created["id"]}, token=user_token)
    finally:
        stack.runtime.aws.listeners.remove(log)
    # then the images cost one BatchGetItem, not one read each
    assert log.count("BatchGetItem") == 2  # the owner (user loader) and the three images
    assert log.count("GetItem") == 1  # the collection itself


def test_deleting_a_collection_keeps_its_images(
    api: Api, user_token: str, photos: list[str]
) -> None:
    # given a collection
    created = _create(api, user_token, "Temporary", photos[:1])
    # when it is deleted
    assert api.data(DELETE, {"id": created["id"]}, token=user_token) == {
        "deleteImageCollection": True
    }
    # then it is gone but the image is not
    assert api.data(GET, {"id": created["id"]}, token=user_token)["imageCollection"] is None
    image = api.data(
        "query($id: ID!) { media(id: $id) { id } }", {"id": photos[0]}, token=user_token
    )
    assert image["media"]["id"] == photos[0]


def test_ids_that_are_not_collection_ids_are_bad_input(api: Api, user_token: str) -> None:
    # given an id without the owner part
    # when it is read
    body = api.run(GET, {"id": "just-a-uuid"}, token=user_token)
    # then it is a bad input, not a read of anything
    assert error_codes(body) == ["BAD_USER_INPUT"]


class TestWhoMay:
    def test_a_manager_reads_but_cannot_change_a_team_members_collection(
        self, api: Api, user_token: str, manager_token: str, photos: list[str]
    ) -> None:
        # given the user's collection
        created = _create(api, user_token, "Team visible", photos[:1])
        # when their manager reads and then tries to rename it
        found = api.data(GET, {"id": created["id"]}, token=manager_token)["imageCollection"]
        rename = api.run(RENAME, {"id": created["id"], "name": "mine now"}, token=manager_token)
        # then reading works and changing does not
        assert found["id"] == created["id"]
        assert error_codes(rename) == ["FORBIDDEN"]

    def test_a_user_cannot_see_or_touch_someone_elses_collection(
        self, api: Api, user_token: str, manager_token: str
    ) -> None:
        # given the manager's collection
        image = ready_image(api, manager_token, seed=48)["id"]
        created = _create(api, manager_token, "Manager's", [image])
        # when the user reads, adds to or deletes it
        attempts = [
            api.run(GET, {"id": created["id"]}, token=user_token),
            api.run(ADD, {"id": created["id"], "ids": []}, token=user_token),
            api.run(DELETE, {"id": created["id"]}, token=user_token),
        ]
        # then every attempt is forbidden
        assert [error_codes(b) for b in attempts] == [["FORBIDDEN"]] * 3

    def test_an_admin_reads_and_deletes_anyones_collection(
        self, api: Api, user_token: str, admin_token: str, photos: list[str]
    ) -> None:
        # given the user's collection
        created = _create(api, user_token, "For the admin", photos[:1])
        # when an admin reads and deletes it
        found = api.data(GET, {"id": created["id"]}, token=admin_token)["imageCollection"]
        deleted = api.data(DELETE, {"id": created["id"]}, token=admin_token)
        # then both work
        assert found["id"] == created["id"] and deleted == {"deleteImageCollection": True}
