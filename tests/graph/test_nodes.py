"""Global object identification: `node` and `nodes` for every type, the authorization matrix
over them, and one BatchGetItem across the tables for a whole `nodes` list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, CallLog, error_codes
from tests.support.factories.media import request_upload
from tests.support.factories.people import Team, make_submission, make_team

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Stored { version }
    ... on User { email }
    ... on Submission { title }
    ... on AuditEntry { action }
  }
}
"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
CREATE_COLLECTION = """
mutation($input: CreateImageCollectionInput!) { createImageCollection(input: $input) { id } }
"""
AUDIT = "query($e: ID) { auditLog(entityId: $e, first: 5) { edges { node { id action } } } }"

ACTORS = ("user", "other_user", "manager", "other_manager", "admin")
# The member's things: the member, their manager and an admin read them; others see nothing.
READERS = {"user", "manager", "admin"}


@dataclass(frozen=True)
class World:
    team: Team
    admin_token: str
    ids: dict[str, str]  # GraphQL type name -> id of one object the member owns

    def token(self, actor: str) -> str:
        return {
            "user": self.team.member.token,
            "other_user": self.team.outsider.token,
            "manager": self.team.manager.token,
            "other_manager": self.team.other_manager.token,
            "admin": self.admin_token,
        }[actor]


@pytest.fixture(scope="module")
def world(api: Api, settings: Settings, admin_token: str) -> World:
    team = make_team(api, settings, admin_token)
    member = team.member
    submission = make_submission(api, member, title="Node me")
    media = request_upload(api, member.token, size=100)
    collection = api.data(
        CREATE_COLLECTION, {"input": {"name": "Mine", "mediaIds": []}}, token=member.token
    )["createImageCollection"]
    audit = api.data(AUDIT, {"e": submission["id"]}, token=admin_token)["auditLog"]["edges"]
    return World(
        team=team,
        admin_token=admin_token,
        ids={
            "User": member.id,
            "Profile": member.profile_id,
            "Submission": submission["id"],
            "Media": media.media_id,
            "ImageCollection": collection["id"],
            "AuditEntry": audit[0]["node"]["id"],
        },
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "type_name", ["User", "Profile", "Submission", "Media", "ImageCollection", "AuditEntry"]
)
def test_node_finds_every_type_for_whoever_may_read_it(
    api: Api, world: World, type_name: str, actor: str
) -> None:
    # given an object of `type_name` owned by a team member
    node_id = world.ids[type_name]
    # when `actor` asks for it by id alone
    body = api.run(NODE, {"id": node_id}, token=world.token(actor))
    # then readers get the object as its own type, everyone else null and NOT_FOUND
    if actor in READERS:
        assert not body.get("errors"), body
        assert body["data"]["node"]["__typename"] == type_name
        assert body["data"]["node"]["id"] == node_id
    else:
        assert body["data"]["node"] is None
        assert error_codes(body) == ["NOT_FOUND"]


def test_forbidden_and_unknown_ids_look_the_same(api: Api, world: World) -> None:
    # given an id the outsider may not read, one nobody issued, and malformed ones
    ids = [world.ids["Submission"], str(uuid.uuid4()), "x:y:z", "not an id!", f"{uuid.uuid4()}:c"]
    # when the outsider asks for each
    bodies = [api.run(NODE, {"id": i}, token=world.token("other_user")) for i in ids]
    # then every answer is the same null, code and message: nothing tells them apart
    assert all(b["data"]["node"] is None for b in bodies)
    assert {(b["errors"][0]["extensions"]["code"], b["errors"][0]["message"]) for b in bodies} == {
        ("NOT_FOUND", "no object with this id that you may read")
    }


def test_node_needs_sign_in(api: Api, world: World) -> None:
    body = api.run(NODE, {"id": world.ids["User"]})
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_nodes_keeps_order_and_nulls_each_missing_one_with_its_own_error(
    api: Api, world: World, stack: Stack
) -> None:
    # given every type's id, with an unknown id in the middle
    unknown = str(uuid.uuid4())
    ids = [*world.ids.values()]
    ids.insert(3, unknown)
    log = CallLog()
    stack.runtime.aws.listeners.append(log)
    try:
        # when the manager asks for all of them at once
        body = api.run(NODES, {"ids": ids}, token=world.token("manager"))
    finally:
        stack.runtime.aws.listeners.remove(log)
    # then each object is in its place, the unknown one null with an error at its index
    nodes = body["data"]["nodes"]
    assert [n and n["id"] for n in nodes] == [None if i == unknown else i for i in ids]
    assert [n["__typename"] for n in nodes if n] == list(world.ids)
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["nodes", 3], "NOT_FOUND")
    ]
    # and all seven ids were read from every table in one BatchGetItem; the access checks'
    # read of the owner through the user loader is the one other
    assert log.count("BatchGetItem") == 2
    assert log.count("GetItem") == log.count("Query") == 0


def test_nodes_answers_the_outsider_with_nothing(api: Api, world: World) -> None:
    body = api.run(NODES, {"ids": list(world.ids.values())}, token=world.token("other_user"))
    assert body["data"]["nodes"] == [None] * len(world.ids)
    assert set(error_codes(body)) == {"NOT_FOUND"}


def test_nodes_refuses_more_ids_than_a_page(api: Api, world: World) -> None:
    body = api.run(NODES, {"ids": [str(uuid.uuid4()) for _ in range(101)]}, token=world.admin_token)
    assert error_codes(body) == ["BAD_USER_INPUT"]


STORED = """
query($id: ID!) {
  node(id: $id) { ... on Stored { createdAt updatedAt createdBy lastUpdatedBy version } }
}
"""
USERNAME = "query($id: ID!) { node(id: $id) { ... on User { username } } }"
RENAME = """
mutation($id: ID!, $v: Int!) {
  renameImageCollection(id: $id, name: "Renamed", expectedVersion: $v) { id version }
}
"""


@pytest.mark.parametrize("type_name", ["Submission", "Media", "ImageCollection"])
def test_stored_fields_answer_from_the_record_an_object_was_made_of(
    api: Api, world: World, type_name: str
) -> None:
    # given something the member made, and the member's username
    member = api.data(USERNAME, {"id": world.team.member.id}, token=world.admin_token)["node"]
    # when its stored fields are read
    node = api.data(STORED, {"id": world.ids[type_name]}, token=world.admin_token)["node"]
    # then they are the record's: made and last changed by the member, at its version
    assert node["createdBy"] == node["lastUpdatedBy"] == member["username"]
    assert node["version"] >= 1
    assert node["createdAt"] <= node["updatedAt"]


def test_stored_version_follows_a_change(api: Api, world: World) -> None:
    # given the member's collection at its version
    collection_id = world.ids["ImageCollection"]
    before = api.data(STORED, {"id": collection_id}, token=world.team.member.token)["node"]
    # when it is renamed
    renamed = api.data(
        RENAME, {"id": collection_id, "v": before["version"]}, token=world.team.member.token
    )["renameImageCollection"]
    after = api.data(STORED, {"id": collection_id}, token=world.team.member.token)["node"]
    # then the version read back is the new record's
    assert renamed["version"] == after["version"] == before["version"] + 1
    assert after["updatedAt"] >= before["updatedAt"]
