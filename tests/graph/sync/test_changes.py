"""`changes(since:)`: upserts and tombstones since a sync token, paging, visibility and
permission changes, the settle window, and refused tokens."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from graph.server.app import create_app
from services.auth.identity import Identity
from services.platform import clock
from services.platform.settings import Settings
from services.store import audit
from services.store.cursors import Cursors
from tests.support.clients import Api, CallLog, boto, error_codes
from tests.support.factories.media import request_upload
from tests.support.factories.people import make_person, make_submission, make_team
from tests.support.server import ServerThread
from tests.support.sync import CHANGES, Copy, replay, start_token

UPDATE_SUBMISSION = """
mutation Update($id: ID!, $title: String!) {
  updateSubmission(id: $id, input: { title: $title }) { id version }
}
"""
DELETE_MEDIA = "mutation Delete($id: ID!) { deleteMedia(id: $id) }"
MOVE = """
mutation Move($id: ID!, $managerId: ID) {
  updateProfile(id: $id, input: { managerId: $managerId }) { id managerId }
}
"""
CHANGES_WITH_USER = """
query Changes($since: String) {
  changes(since: $since) { upserts { __typename id ... on User { profile { id } } } token }
}
"""


def ids(pages: list[dict[str, Any]], key: str) -> set[str]:
    return {node["id"] for page in pages for node in page[key]}


def test_a_new_thing_comes_as_an_upsert_once(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a person who took a token, then made a submission and changed it
    person = make_person(sync_api, settings, admin_token)
    since = start_token(sync_api, person.token)
    submission = make_submission(sync_api, person, title="Offline")
    sync_api.data(UPDATE_SUBMISSION, {"id": submission["id"], "title": "Again"}, token=person.token)
    # when their phone syncs
    copy: Copy = {}
    token, pages = replay(sync_api, person.token, copy, since)
    # then the submission comes as it is now, and nothing comes a second time
    assert copy[submission["id"]]["version"] == 2
    assert [n["id"] for p in pages for n in p["upserts"]] == [submission["id"]]
    _, again = replay(sync_api, person.token, {}, token)
    assert ids(again, "upserts") == set() and ids(again, "tombstones") == set()


def test_a_deletion_comes_as_a_tombstone(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a person's medium their phone has, then deleted
    person = make_person(sync_api, settings, admin_token)
    media_id = request_upload(sync_api, person.token, size=100).media_id
    since = start_token(sync_api, person.token)
    sync_api.data(DELETE_MEDIA, {"id": media_id}, token=person.token)
    # when the phone syncs
    _, pages = replay(sync_api, person.token, {}, since)
    # then the medium comes as a tombstone with its type
    assert [t for p in pages for t in p["tombstones"]] == [{"id": media_id, "type": "Media"}]


def test_changes_page_in_small_bounded_requests(
    sync_server: ServerThread, settings: Settings, admin_token: str
) -> None:
    # given five changes since a token
    api = Api(sync_server.url)
    person = make_person(api, settings, admin_token)
    since = start_token(api, person.token)
    made = {make_submission(api, person, title=f"S{i}")["id"] for i in range(5)}
    log = CallLog()
    sync_server.app.state.runtime.aws.listeners.append(log)
    try:
        # when the phone syncs two at a time
        _, pages = replay(api, person.token, {}, since, first=2)
    finally:
        sync_server.app.state.runtime.aws.listeners.remove(log)
    # then three pages bring all five, each once, and each page took a few requests
    assert [len(p["upserts"]) for p in pages] == [2, 2, 1]
    assert ids(pages, "upserts") == made
    assert len(log.calls) <= 6 * len(pages), [c.operation for c in log.calls]


def test_a_manager_loses_and_gains_a_moved_person(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a manager's team member with a submission, and the manager's synced copy
    team = make_team(sync_api, settings, admin_token)
    member = team.member
    submission = make_submission(sync_api, member)
    old = start_token(sync_api, team.manager.token)
    new = start_token(sync_api, team.other_manager.token)
    # when an admin moves the member to the other manager's team
    sync_api.data(
        MOVE, {"id": member.profile_id, "managerId": team.other_manager.id}, token=admin_token
    )
    _, lost = replay(sync_api, team.manager.token, {}, old, first=2)
    _, gained = replay(sync_api, team.other_manager.token, {}, new, first=2)
    # then the old manager gets tombstones for all of the member's things, the new one all of them
    everything = {member.id, member.profile_id, submission["id"]}
    assert ids(lost, "tombstones") == everything and ids(lost, "upserts") == set()
    assert ids(gained, "upserts") == everything and ids(gained, "tombstones") == set()


def test_a_deletion_before_a_person_left_the_team_still_reaches_the_manager(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a team member's medium the manager has, deleted, and then the member moved away
    team = make_team(sync_api, settings, admin_token)
    media_id = request_upload(sync_api, team.member.token, size=100).media_id
    since = start_token(sync_api, team.manager.token)
    sync_api.data(DELETE_MEDIA, {"id": media_id}, token=team.member.token)
    sync_api.data(MOVE, {"id": team.member.profile_id, "managerId": None}, token=admin_token)
    # when the manager syncs one at a time (the deletion is read before the move)
    _, pages = replay(sync_api, team.manager.token, {}, since, first=1)
    # then the medium's tombstone is there
    assert media_id in ids(pages, "tombstones")


def test_a_person_sees_their_new_manager_instead_of_the_old(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a team member's token
    team = make_team(sync_api, settings, admin_token)
    since = start_token(sync_api, team.member.token)
    # when they are moved to another manager
    sync_api.data(
        MOVE, {"id": team.member.profile_id, "managerId": team.other_manager.id}, token=admin_token
    )
    _, pages = replay(sync_api, team.member.token, {}, since)
    # then the old manager's person goes, the new one's comes, with their own changed profile
    assert team.manager.id in ids(pages, "tombstones")
    assert {team.other_manager.id, team.member.profile_id} <= ids(pages, "upserts")


def test_others_changes_do_not_reach_a_person(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given two unrelated people, one of them with a token
    team = make_team(sync_api, settings, admin_token)
    since = start_token(sync_api, team.outsider.token)
    # when the other makes and deletes things
    make_submission(sync_api, team.member)
    media_id = request_upload(sync_api, team.member.token, size=100).media_id
    sync_api.data(DELETE_MEDIA, {"id": media_id}, token=team.member.token)
    # then the first one's sync has neither upserts nor tombstones of them
    _, pages = replay(sync_api, team.outsider.token, {}, since)
    assert ids(pages, "upserts") == set() and ids(pages, "tombstones") == set()


def test_upserts_are_nodes_with_their_fields(
    sync_api: Api, settings: Settings, admin_token: str
) -> None:
    # given a person's new profile change
    person = make_person(sync_api, settings, admin_token)
    since = start_token(sync_api, person.token)
    sync_api.data(
        'mutation($id: ID!) { updateProfile(id: $id, input: { jobTitle: "Pilot" }) { id } }',
        {"id": person.profile_id},
        token=person.token,
    )
    # when they sync asking for a nested field
    page = sync_api.data(CHANGES_WITH_USER, {"since": since}, token=person.token)["changes"]
    # then their user comes with its profile
    users = [n for n in page["upserts"] if n["__typename"] == "User"]
    assert users == [{"__typename": "User", "id": person.id, "profile": {"id": person.profile_id}}]


def _token(settings: Settings, user_id: str, body: dict[str, str]) -> str:
    return Cursors(settings.cursor_secret).encode(scope=f"sync:{user_id}", key=body)


def test_refused_tokens(
    sync_api: Api, settings: Settings, admin_token: str, user_token: str
) -> None:
    # given a token of another person, a forged one and one older than the retention
    person = make_person(sync_api, settings, admin_token)
    others = start_token(sync_api, user_token)
    old = clock.iso(clock.now() - timedelta(seconds=settings.sync_retention_seconds + 60))
    expired = _token(settings, person.id, {"a": f"{old}#", "r": "USER"})
    other_role = _token(settings, person.id, {"a": f"{clock.now_iso()}#", "r": "ADMIN"})
    garbage = _token(settings, person.id, {"a": "not a time", "r": "USER"})

    # when each is used
    def codes(since: str) -> list[str]:
        return error_codes(sync_api.run(CHANGES, {"since": since}, token=person.token))

    # then the forged and foreign ones are bad input, the old and other-role ones expired
    assert codes(others) == ["BAD_USER_INPUT"]
    assert codes(others[:-2] + "xx") == ["BAD_USER_INPUT"]
    assert codes(garbage) == ["BAD_USER_INPUT"]
    assert codes(expired) == ["SYNC_TOKEN_EXPIRED"]
    assert codes(other_role) == ["SYNC_TOKEN_EXPIRED"]
    assert error_codes(sync_api.run(CHANGES, {"since": None})) == ["UNAUTHENTICATED"]


def test_a_change_committed_late_is_not_missed(settings: Settings, admin_token: str) -> None:
    # given a server whose feed settles for 2 s, and a person's token
    thread = ServerThread(
        create_app(settings.model_copy(update={"sync_settle_seconds": 2.0}))
    ).start()
    try:
        api = Api(thread.url)
        person = make_person(api, settings, admin_token)
        since = start_token(api, person.token)
        time.sleep(2.1)
        # when an entry stamped a second ago commits only now (as a slow transaction would)
        late = audit.entry(
            actor=Identity(user_id=person.id, username="late"),
            entity_type="Media",
            entity_id=str(uuid.uuid4()),
            action="DELETE",
            owner_id=person.id,
            at=clock.iso(clock.now() - timedelta(seconds=1)),
        )
        boto(settings, "dynamodb").transact_write_items(
            TransactItems=[audit.put_entry(settings.table("audit-log"), late)]
        )
        _, early = replay(api, person.token, {}, since)
        time.sleep(2.1)
        token, settled = replay(api, person.token, {}, early[-1]["token"])
        _, after = replay(api, person.token, {}, token)
    finally:
        thread.stop()
    # then it is not read before it settled, then read once
    assert ids(early, "tombstones") == set()
    assert ids(settled, "tombstones") == {late.entity_id}
    assert ids(after, "tombstones") == set()


def test_a_deletion_read_before_the_settled_move_still_reaches_the_manager(
    settings: Settings, admin_token: str
) -> None:
    # given a server whose feed settles for 3 s, and a team member's medium
    thread = ServerThread(
        create_app(settings.model_copy(update={"sync_settle_seconds": 3.0}))
    ).start()
    try:
        api = Api(thread.url)
        team = make_team(api, settings, admin_token)
        media_id = request_upload(api, team.member.token, size=100).media_id
        time.sleep(3.1)  # the token of now is 3 s behind: past the set-up's own entries
        since = start_token(api, team.manager.token)
        # when the medium is deleted, the member moved away 2 s later, and the manager syncs
        # when the deletion has settled but the move has not
        deleted = time.monotonic()
        api.data(DELETE_MEDIA, {"id": media_id}, token=team.member.token)
        time.sleep(2.0)
        api.data(MOVE, {"id": team.member.profile_id, "managerId": None}, token=admin_token)
        time.sleep(max(0.0, deleted + 3.5 - time.monotonic()))
        token, early = replay(api, team.manager.token, {}, since)
        time.sleep(3.1)
        _, late = replay(api, team.manager.token, {}, token)
    finally:
        thread.stop()
    # then the deletion's tombstone came (the member had left by then), and the move's later
    assert media_id in ids(early, "tombstones")
    assert team.member.id not in ids(early, "tombstones")
    assert {team.member.id, team.member.profile_id} <= ids(late, "tombstones")
