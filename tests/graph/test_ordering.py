"""`orderBy` on the lists people sort in screens: both directions across page boundaries,
backed by sorted indexes, with cursors bound to their order."""

from __future__ import annotations

from typing import Any

import pytest

from services.platform.folding import fold
from services.platform.settings import Settings
from tests.support.clients import Api, error_codes
from tests.support.factories.media import request_upload
from tests.support.factories.people import Person, make_person, make_submission

MY_SUBMISSIONS = """
query($order: SubmissionOrder, $first: Int, $after: String) {
  me { submissions(orderBy: $order, first: $first, after: $after) {
    edges { node { id title createdAt submittedAt } } pageInfo { hasNextPage endCursor }
  } }
}
"""
SUBMISSIONS = """
query($u: ID, $order: SubmissionOrder, $first: Int, $after: String) {
  submissions(userId: $u, orderBy: $order, first: $first, after: $after) {
    edges { node { id title } } pageInfo { hasNextPage endCursor }
  }
}
"""
MY_MEDIA = """
query($order: MediaOrder, $first: Int, $after: String) {
  me { media(orderBy: $order, first: $first, after: $after) {
    edges { node { id createdAt } } pageInfo { hasNextPage endCursor }
  } }
}
"""
MY_COLLECTIONS = """
query($order: CollectionOrder, $first: Int, $after: String) {
  me { imageCollections(orderBy: $order, first: $first, after: $after) {
    edges { node { id name updatedAt } } pageInfo { hasNextPage endCursor }
  } }
}
"""
TEAM = """
query($m: ID!, $order: PersonOrder, $first: Int, $after: String) {
  teamMembers(managerId: $m, orderBy: $order, first: $first, after: $after) {
    edges { node { lastName firstName createdAt } } pageInfo { hasNextPage endCursor }
  }
}
"""
USERS = """
query($order: PersonOrder, $first: Int, $after: String) {
  users(role: MANAGER, includeInactive: true, orderBy: $order, first: $first, after: $after) {
    edges { node { username createdAt } } pageInfo { hasNextPage endCursor }
  }
}
"""
USERS_ANY_ROLE = "query { users(orderBy: {field: NAME}) { edges { node { id } } } }"
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id } }"
COLLECT = "mutation($n: String!) { createImageCollection(input: {name: $n, mediaIds: []}) { id } }"
RENAME = "mutation($id: ID!, $n: String!) { renameImageCollection(id: $id, name: $n) { id } }"
TITLES = ["banana", "Äpfel", "cherry", "apple", "Zebra", "éclair", "date"]


def _pages(api: Api, doc: str, path: list[str], token: str, **variables: Any) -> list[Any]:
    """Every node of a list, read two at a time."""
    nodes: list[Any] = []
    after = None
    while True:
        data: Any = api.data(doc, {**variables, "first": 2, "after": after}, token=token)
        for key in path:
            data = data[key]
        nodes += [e["node"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
def writer(api: Api, settings: Settings, admin_token: str) -> Person:
    """A person with seven submissions, the third and fifth submitted (in that order)."""
    person = make_person(api, settings, admin_token)
    ids = [make_submission(api, person, title=t)["id"] for t in TITLES]
    for i in (2, 4):
        api.data(SUBMIT, {"id": ids[i]}, token=person.token)
    return person


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_submissions_by_title_ignore_case_and_accents_across_pages(
    api: Api, writer: Person, direction: str
) -> None:
    # when the writer pages through their submissions by title
    order = {"field": "TITLE", "direction": direction}
    titles = [n["title"] for n in _pages(api, MY_SUBMISSIONS, ["me", "submissions"],
                                         writer.token, order=order)]  # fmt: skip
    # then they come in folded-title order, every page full
    expected = sorted(TITLES, key=fold, reverse=direction == "DESC")
    assert titles == expected
    # and the same list is what `submissions(userId:)` gives
    same = _pages(api, SUBMISSIONS, ["submissions"], writer.token, u=writer.id, order=order)
    assert [n["title"] for n in same] == expected


def test_submissions_are_newest_first_by_default(api: Api, writer: Person) -> None:
    nodes = _pages(api, MY_SUBMISSIONS, ["me", "submissions"], writer.token)
    created = [n["createdAt"] for n in nodes]
    assert created == sorted(created, reverse=True)
    assert [n["title"] for n in nodes] == TITLES[::-1]


def test_submissions_by_submitted_put_drafts_last_when_newest_first(
    api: Api, writer: Person
) -> None:
    order = {"field": "SUBMITTED", "direction": "DESC"}
    nodes = _pages(api, MY_SUBMISSIONS, ["me", "submissions"], writer.token, order=order)
    assert [n["title"] for n in nodes[:2]] == [TITLES[4], TITLES[2]]
    assert all(n["submittedAt"] is None for n in nodes[2:])
    ascending = _pages(api, MY_SUBMISSIONS, ["me", "submissions"], writer.token,
                       order={"field": "SUBMITTED", "direction": "ASC"})  # fmt: skip
    assert [n["title"] for n in ascending[-2:]] == [TITLES[2], TITLES[4]]


def test_cursors_are_bound_to_their_order(api: Api, writer: Person) -> None:
    # given a cursor from the first page by title, ascending
    asc = {"field": "TITLE", "direction": "ASC"}
    first = api.data(MY_SUBMISSIONS, {"order": asc, "first": 2}, token=writer.token)
    cursor = first["me"]["submissions"]["pageInfo"]["endCursor"]
    # when it is used with another order or direction, or tampered with
    uses = [
        {"order": {"field": "TITLE", "direction": "DESC"}, "after": cursor},
        {"order": {"field": "CREATED", "direction": "ASC"}, "after": cursor},
        {"after": cursor},
        {"order": asc, "after": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")},
    ]
    # then each is refused, and nothing is read
    for variables in uses:
        body = api.run(MY_SUBMISSIONS, {**variables, "first": 2}, token=writer.token)
        assert error_codes(body) == ["BAD_USER_INPUT"], variables
    # and in its own order it reads on from where it was
    rest = api.data(MY_SUBMISSIONS, {"order": asc, "first": 2, "after": cursor}, token=writer.token)
    titles = [e["node"]["title"] for e in rest["me"]["submissions"]["edges"]]
    assert titles == sorted(TITLES, key=fold)[2:4]


def test_media_and_collections_orders(api: Api, writer: Person) -> None:
    # given three uploads and three collections, the first renamed last
    for _ in range(3):
        request_upload(api, writer.token, size=3)
    made = [api.data(COLLECT, {"n": n}, token=writer.token)["createImageCollection"]["id"]
            for n in ("b-set", "C-set", "a-set")]  # fmt: skip
    api.data(RENAME, {"id": made[0], "n": "Bee set"}, token=writer.token)
    # then uploads are newest first by default, and oldest first when asked
    newest = [n["createdAt"] for n in _pages(api, MY_MEDIA, ["me", "media"], writer.token)]
    assert newest == sorted(newest, reverse=True)
    oldest = _pages(api, MY_MEDIA, ["me", "media"], writer.token,
                    order={"field": "CREATED", "direction": "ASC"})  # fmt: skip
    assert [n["createdAt"] for n in oldest] == sorted(newest)
    # and collections are last changed first by default, or by name
    path = ["me", "imageCollections"]
    changed = _pages(api, MY_COLLECTIONS, path, writer.token)
    assert changed[0]["id"] == made[0]
    by_name = _pages(api, MY_COLLECTIONS, path, writer.token,
                     order={"field": "NAME", "direction": "ASC"})  # fmt: skip
    assert [n["name"] for n in by_name] == ["a-set", "Bee set", "C-set"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_team_and_users_by_name_and_created(
    api: Api, settings: Settings, admin_token: str, direction: str
) -> None:
    # given a manager with four reports
    manager = make_person(api, settings, admin_token, role="MANAGER")
    names = [("Émile", "Zola"), ("ada", "lovelace"), ("Alan", "Turing"), ("Grace", "Hopper")]
    for first, last in names:
        make_person(api, settings, admin_token, manager_id=manager.id,
                    firstName=first, lastName=last)  # fmt: skip
    # when the team is read by name and by creation, two at a time
    team = _pages(api, TEAM, ["teamMembers"], manager.token, m=manager.id,
                  order={"field": "NAME", "direction": direction})  # fmt: skip
    # then family names come in folded order
    expected = sorted((last for _, last in names), key=fold, reverse=direction == "DESC")
    assert [n["lastName"] for n in team] == expected
    created = _pages(api, TEAM, ["teamMembers"], manager.token, m=manager.id,
                     order={"field": "CREATED", "direction": direction})  # fmt: skip
    stamps = [n["createdAt"] for n in created]
    assert stamps == sorted(stamps, reverse=direction == "DESC")
    # and managers (a role) are listed by username in order
    users = _pages(api, USERS, ["users"], admin_token,
                   order={"field": "NAME", "direction": direction})  # fmt: skip
    usernames = [n["username"] for n in users]
    assert usernames == sorted(usernames, key=fold, reverse=direction == "DESC")
    assert manager.email.split("@")[0] in usernames


def test_orders_the_indexes_do_not_keep_are_refused(
    api: Api, writer: Person, admin_token: str
) -> None:
    # users of every role and submissions across people are not kept sorted
    assert error_codes(api.run(USERS_ANY_ROLE, token=admin_token)) == ["BAD_USER_INPUT"]
    body = api.run(SUBMISSIONS, {"order": {"field": "TITLE"}}, token=admin_token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
