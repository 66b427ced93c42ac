"""Search without a search cluster: people by word prefix of name, e-mail, username, job title
and department, submissions by title words; case and accents ignored; the lists' visibility;
never a stale or deleted record; one Query and one BatchGetItem a page."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, CallLog, error_codes
from tests.support.factories.people import Person, make_person, make_submission

PEOPLE = """
query($q: String!, $first: Int, $after: String) {
  searchPeople(query: $q, first: $first, after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""
SUBMISSIONS = """
query($q: String!, $first: Int, $after: String) {
  searchSubmissions(query: $q, first: $first, after: $after) {
    edges { node { id title } } pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_PROFILE = """
mutation($id: ID!, $input: UpdateProfileInput!) { updateProfile(id: $id, input: $input) { id } }
"""
UPDATE_SUBMISSION = """
mutation($id: ID!, $input: UpdateSubmissionInput!) {
  updateSubmission(id: $id, input: $input) { id }
}
"""
UPDATE_USER = """
mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }
"""


@dataclass(frozen=True)
class Org:
    manager: Person
    jose: Person
    josephine: Person
    other_manager: Person
    joseph: Person


@pytest.fixture(scope="module")
def org(api: Api, settings: Settings, admin_token: str) -> Org:
    manager = make_person(api, settings, admin_token, role="MANAGER")
    other = make_person(api, settings, admin_token, role="MANAGER")
    return Org(
        manager=manager,
        jose=make_person(api, settings, admin_token, manager_id=manager.id, firstName="José",
                         lastName="Pérez", jobTitle="Software Engineer", department="Research"),
        josephine=make_person(api, settings, admin_token, manager_id=manager.id,
                              firstName="Josephine", lastName="Joss"),
        other_manager=other,
        joseph=make_person(api, settings, admin_token, manager_id=other.id,
                           firstName="Joseph", lastName="Conrad"),
    )  # fmt: skip


def _found(api: Api, token: str, query: str, doc: str = PEOPLE) -> list[str]:
    """Every id a search finds, page by page (one at a time, to cross page boundaries)."""
    ids: list[str] = []
    after = None
    field = "searchPeople" if doc is PEOPLE else "searchSubmissions"
    while True:
        page = api.data(doc, {"q": query, "first": 1, "after": after}, token=token)[field]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("jos", {"jose", "josephine", "joseph"}),
        ("JOSÉ", {"jose", "josephine", "joseph"}),  # "jose" starts "joseph" too
        ("josé PÉR", {"jose"}),
        ("josep", {"josephine", "joseph"}),
        ("Pere", {"jose"}),
        ("jos per", {"jose"}),
        ("per jos", {"jose"}),
        ("engin", {"jose"}),
        ("resea soft", {"jose"}),
        ("joss", {"josephine"}),
        ("conrad", {"joseph"}),
        ("jos zzz", set()),
    ],
)
def test_admins_find_by_word_prefix_ignoring_case_and_accents(
    api: Api, org: Org, admin_token: str, query: str, who: set[str]
) -> None:
    # when an admin searches
    found = _found(api, admin_token, query)
    # then each person appears once (Josephine Joss matches "jos" twice), and only matches
    people = {"jose": org.jose.id, "josephine": org.josephine.id, "joseph": org.joseph.id}
    assert len(found) == len(set(found))
    assert {name for name, i in people.items() if i in found} == who


def test_people_are_found_by_username_and_email(api: Api, org: Org, admin_token: str) -> None:
    local = org.joseph.email.split("@")[0]  # the factory's username is the same text
    assert _found(api, admin_token, local.split("-")[1]) == [org.joseph.id]


def test_visibility_is_the_lists(api: Api, org: Org) -> None:
    # a manager finds their team (and themself), a user only themself
    assert set(_found(api, org.manager.token, "jos")) == {org.jose.id, org.josephine.id}
    assert _found(api, org.joseph.token, "jos") == [org.joseph.id]
    assert _found(api, org.jose.token, "josephine") == []
    assert _found(api, org.other_manager.token, "jos") == [org.joseph.id]


def test_a_search_never_finds_what_changed(api: Api, settings: Settings, admin_token: str) -> None:
    # given a manager's report named Ximena
    manager = make_person(api, settings, admin_token, role="MANAGER")
    other = make_person(api, settings, admin_token, role="MANAGER")
    person = make_person(api, settings, admin_token, manager_id=manager.id, firstName="Ximena")
    assert _found(api, manager.token, "xime") == [person.id]
    # when she is renamed and moved to another manager
    api.data(UPDATE_PROFILE, {"id": person.profile_id, "input": {"firstName": "Yolanda"}},
             token=admin_token)  # fmt: skip
    api.data(UPDATE_PROFILE, {"id": person.profile_id, "input": {"managerId": other.id}},
             token=admin_token)  # fmt: skip
    # then the old name and the old manager find nothing, the new ones find her
    assert person.id not in _found(api, admin_token, "xime")
    assert _found(api, manager.token, "yola") == []
    assert _found(api, other.token, "yola") == [person.id]
    # and a new username is found at once
    api.data(UPDATE_USER, {"id": person.id, "input": {"username": "zebulon.q"}}, token=person.token)
    assert _found(api, person.token, "zebul") == [person.id]
    assert _found(api, other.token, "zebulon q") == [person.id]


def test_a_search_page_is_one_query_and_one_batch_get(
    api: Api, org: Org, admin_token: str, stack: Stack
) -> None:
    log = CallLog()
    stack.runtime.aws.listeners.append(log)
    try:
        page = api.data(PEOPLE, {"q": "jos", "first": 2}, token=admin_token)["searchPeople"]
    finally:
        stack.runtime.aws.listeners.remove(log)
    assert len(page["edges"]) == 2
    assert page["totalCount"] is None
    assert (log.count("Query"), log.count("BatchGetItem"), log.count("Scan")) == (1, 1, 0)


def test_search_cursors_are_bound_to_their_search(api: Api, org: Org, admin_token: str) -> None:
    page = api.data(PEOPLE, {"q": "jos", "first": 1}, token=admin_token)["searchPeople"]
    cursor = page["pageInfo"]["endCursor"]
    other = api.run(PEOPLE, {"q": "jose", "first": 1, "after": cursor}, token=admin_token)
    assert error_codes(other) == ["BAD_USER_INPUT"]
    # and a query without a letter or digit is refused
    assert error_codes(api.run(PEOPLE, {"q": " ?! "}, token=admin_token)) == ["BAD_USER_INPUT"]


def test_submissions_by_title_with_the_lists_visibility(
    api: Api, org: Org, admin_token: str
) -> None:
    # given reports by two of the manager's team and one by someone else's report
    mine = [
        make_submission(api, org.jose, title="Quarterly Rëport")["id"],
        make_submission(api, org.josephine, title="report draft")["id"],
    ]
    theirs = make_submission(api, org.joseph, title="Secret REPORT")["id"]
    everyone = {*mine, theirs}
    # then each sees the reports they may read
    assert set(_found(api, admin_token, "repo", SUBMISSIONS)) >= everyone
    assert set(_found(api, org.manager.token, "report", SUBMISSIONS)) == set(mine)
    assert _found(api, org.jose.token, "report", SUBMISSIONS) == [mine[0]]
    assert _found(api, org.joseph.token, "rep", SUBMISSIONS) == [theirs]
    assert _found(api, org.jose.token, "quart rep", SUBMISSIONS) == [mine[0]]
    # when a title changes, then the old words find it no more
    api.data(UPDATE_SUBMISSION, {"id": mine[0], "input": {"title": "Annual summary"}},
             token=org.jose.token)  # fmt: skip
    assert _found(api, org.jose.token, "report", SUBMISSIONS) == []
    assert _found(api, org.jose.token, "annu", SUBMISSIONS) == [mine[0]]
