"""The sync invariant: after any sequence of creates, updates, deletes and permission changes
by several people, a phone's old copy with every page of `changes(since:)` applied equals a
fresh read of everything its viewer may see — for a person, their manager and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.factories.media import request_upload
from tests.support.factories.people import Person, Team, make_person, make_submission, make_team
from tests.support.sync import Copy, fresh_read, replay, start_token

UPDATE_SUBMISSION = """
mutation Update($id: ID!, $title: String!) {
  updateSubmission(id: $id, input: { title: $title }) { id }
}
"""
UPDATE_PROFILE = """
mutation Update($id: ID!, $title: String!) {
  updateProfile(id: $id, input: { jobTitle: $title }) { id }
}
"""
MOVE = """
mutation Move($id: ID!, $managerId: ID) {
  updateProfile(id: $id, input: { managerId: $managerId }) { id }
}
"""
CHANGE_ROLE = (
    "mutation Role($id: ID!, $role: Role!) { updateUser(id: $id, input: { role: $role }) { id } }"
)
DEACTIVATE = "mutation Off($id: ID!) { deactivateUser(id: $id) { id } }"
REACTIVATE = "mutation On($id: ID!) { reactivateUser(id: $id) { id } }"
DELETE_MEDIA = "mutation Delete($id: ID!) { deleteMedia(id: $id) }"
CREATE_COLLECTION = """
mutation Create($name: String!) { createImageCollection(input: { name: $name }) { id } }
"""
DELETE_COLLECTION = "mutation Delete($id: ID!) { deleteImageCollection(id: $id) }"


@dataclass
class World:
    api: Api
    team: Team
    quiet: Person  # moved, deactivated and promoted by the admin; never acts
    admin_token: str
    # Every id made so far, deleted ones too, in every example: what a fresh read asks for
    # (things made in an earlier example come back when their owner joins a team).
    known: set[str]

    @property
    def actors(self) -> list[Person]:
        t = self.team
        return [t.member, t.member2, t.outsider, t.manager, t.other_manager]

    @property
    def movable(self) -> list[Person]:
        t = self.team
        return [t.member, t.member2, t.outsider, self.quiet]


@dataclass
class Phone:
    token: str  # the viewer's sign-in
    since: str  # the last sync token
    copy: Copy
    whole: bool  # an admin: compare on the test's objects only (others may exist)


class Sync(RuleBasedStateMachine):
    world: ClassVar[World]

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self.known = w.known
        self.submissions: list[tuple[Person, str]] = []
        self.media: list[tuple[Person, str]] = []
        self.collections: list[tuple[Person, str]] = []
        self.quiet_active = True
        # each phone takes its token, then reads everything it may see
        self.phones = {}
        for name, token in (
            ("user", w.team.member.token),
            ("manager", w.team.manager.token),
            ("admin", w.admin_token),
        ):
            since = start_token(w.api, token)
            self.phones[name] = Phone(token, since, fresh_read(w.api, token, self.known), False)

    @rule(data=st.data())
    def create_submission(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from(self.world.actors))
        made = make_submission(self.world.api, owner, title="Created")
        self.submissions.append((owner, made["id"]))
        self.known.add(made["id"])

    @precondition(lambda self: self.submissions)
    @rule(data=st.data(), title=st.sampled_from(["One", "Two"]))
    def update_submission(self, data: st.DataObject, title: str) -> None:
        owner, submission_id = data.draw(st.sampled_from(self.submissions))
        self.world.api.data(
            UPDATE_SUBMISSION, {"id": submission_id, "title": title}, token=owner.token
        )

    @rule(data=st.data())
    def create_media(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from(self.world.actors))
        media_id = request_upload(self.world.api, owner.token, size=100).media_id
        self.media.append((owner, media_id))
        self.known.add(media_id)

    @precondition(lambda self: self.media)
    @rule(data=st.data())
    def delete_media(self, data: st.DataObject) -> None:
        owner, media_id = self.media.pop(data.draw(st.integers(0, len(self.media) - 1)))
        self.world.api.data(DELETE_MEDIA, {"id": media_id}, token=owner.token)

    @rule(data=st.data())
    def create_collection(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from(self.world.actors))
        made = self.world.api.data(CREATE_COLLECTION, {"name": "Album"}, token=owner.token)
        self.collections.append((owner, made["createImageCollection"]["id"]))
        self.known.add(made["createImageCollection"]["id"])

    @precondition(lambda self: self.collections)
    @rule(data=st.data())
    def delete_collection(self, data: st.DataObject) -> None:
        owner, collection_id = self.collections.pop(
            data.draw(st.integers(0, len(self.collections) - 1))
        )
        self.world.api.data(DELETE_COLLECTION, {"id": collection_id}, token=owner.token)

    @rule(data=st.data(), title=st.sampled_from(["Dev", "Ops"]))
    def update_profile(self, data: st.DataObject, title: str) -> None:
        person = data.draw(st.sampled_from(self.world.actors))
        self.world.api.data(
            UPDATE_PROFILE, {"id": person.profile_id, "title": title}, token=person.token
        )

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        w = self.world
        person = data.draw(st.sampled_from(w.movable))
        manager = data.draw(st.sampled_from([w.team.manager.id, w.team.other_manager.id, None]))
        w.api.data(MOVE, {"id": person.profile_id, "managerId": manager}, token=w.admin_token)

    @rule(data=st.data())
    def join_or_leave_the_team(self, data: st.DataObject) -> None:
        # the manager viewer's team changes most: a second, narrower move rule
        w = self.world
        person = data.draw(st.sampled_from(w.movable))
        manager = data.draw(st.sampled_from([w.team.manager.id, None]))
        w.api.data(MOVE, {"id": person.profile_id, "managerId": manager}, token=w.admin_token)

    @rule(role=st.sampled_from(["USER", "MANAGER"]))
    def change_role(self, role: str) -> None:
        w = self.world
        w.api.data(CHANGE_ROLE, {"id": w.quiet.id, "role": role}, token=w.admin_token)

    @rule()
    def toggle_active(self) -> None:
        w = self.world
        document = DEACTIVATE if self.quiet_active else REACTIVATE
        w.api.data(document, {"id": w.quiet.id}, token=w.admin_token)
        self.quiet_active = not self.quiet_active

    @rule(viewer=st.sampled_from(["user", "manager", "admin"]), first=st.sampled_from([1, 3, 50]))
    def sync(self, viewer: str, first: int) -> None:
        phone = self.phones[viewer]
        phone.since, _ = replay(self.world.api, phone.token, phone.copy, phone.since, first=first)

    def teardown(self) -> None:
        # when each phone syncs, then its copy equals a fresh read of what it may see
        for name, phone in self.phones.items():
            replay(self.world.api, phone.token, phone.copy, phone.since, first=4)
            fresh = fresh_read(self.world.api, phone.token, self.known)
            copy = phone.copy
            if name == "admin":
                copy = {k: v for k, v in copy.items() if k in self.known}
            assert copy == fresh, name


@pytest.fixture(scope="module")
def world(sync_api: Api, settings: Settings, admin_token: str) -> World:
    team = make_team(sync_api, settings, admin_token)
    quiet = make_person(sync_api, settings, admin_token, manager_id=team.manager.id)
    people = [team.member, team.member2, team.outsider, team.manager, team.other_manager, quiet]
    # A connection per request: a kept-alive one can meet the server closing it when idle.
    api = Api(sync_api.url, http=httpx.Client(timeout=30, headers={"Connection": "close"}))
    return World(
        api=api,
        team=team,
        quiet=quiet,
        admin_token=admin_token,
        known={p.id for p in people} | {p.profile_id for p in people},
    )


def test_a_synced_copy_equals_a_fresh_read(world: World) -> None:
    # given a person, their manager and an admin, each with a phone's copy and its token
    Sync.world = world
    # when hypothesis runs random changes by several people, with syncs in between,
    # then at the end each phone's copy with the changes replayed equals a fresh read
    run_state_machine_as_test(
        Sync,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
