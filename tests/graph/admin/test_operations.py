"""The admin table API in GraphQL: the same operations as /endpoint, for admins only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from services.platform.settings import Settings
from tests.support.admin import AdminRig, admin_rig
from tests.support.clients import Api, error_codes

TABLES = "{ adminTables { alias tableName key sortKey } }"
ITEM = "query($table: String!, $id: ID!) { adminItem(table: $table, id: $id) }"
LIST = """
query($table: String!, $first: Int!, $after: String) {
  adminList(table: $table, first: $first, after: $after) {
    items pageInfo { hasNextPage endCursor }
  }
}"""
SCAN = """
query($table: String!, $filter: JSON!, $attributes: [String!], $first: Int!, $after: String) {
  adminScan(table: $table, filter: $filter, attributesToGet: $attributes,
            first: $first, after: $after) {
    items pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = "mutation($table: String!, $item: JSON!) { adminCreateItem(table: $table, item: $item) }"
UPDATE = """
mutation($table: String!, $id: ID!, $update: JSON!) {
  adminUpdateItem(table: $table, id: $id, update: $update) {
    success results { action success error attributes }
  }
}"""
DELETE = "mutation($table: String!, $id: ID!) { adminDeleteItem(table: $table, id: $id) }"
COLLECTION_ITEM = """
query($id: ID!, $sortId: ID) { adminItem(table: "ImageCollections", id: $id, sortId: $sortId) }"""

WORKERS = [
    {"empId": f"g{i:02}", "colors": ["red"] if i % 2 else ["blue"], "total": i} for i in range(1, 8)
]
EVERY_OPERATION: list[tuple[str, dict[str, Any]]] = [
    (TABLES, {}),
    (ITEM, {"table": "Workers", "id": "g01"}),
    (LIST, {"table": "Workers", "first": 2}),
    (SCAN, {"table": "Workers", "filter": {}, "first": 2}),
    (CREATE, {"table": "Workers", "item": {"empId": "x"}}),
    (UPDATE, {"table": "Workers", "id": "g01", "update": {"set": {"a": 1}}}),
    (DELETE, {"table": "Workers", "id": "g01"}),
]
OPERATION_IDS = ["tables", "item", "list", "scan", "create", "update", "delete"]


@pytest.fixture(scope="module")
def rig(settings: Settings) -> Iterator[AdminRig]:
    with admin_rig(settings) as rig:
        yield rig


@pytest.fixture
def workers(rig: AdminRig) -> AdminRig:
    rig.clear()
    rig.put(*WORKERS)
    return rig


def test_admin_tables_lists_every_alias(rig: AdminRig, admin_token: str) -> None:
    # given the default aliases and a configured Workers alias
    # when an admin asks for them
    tables = rig.graphql.data(TABLES, token=admin_token)["adminTables"]
    # then each comes with its real table name and key names
    by_alias = {t["alias"]: t for t in tables}
    assert by_alias["Workers"] == {
        "alias": "Workers",
        "tableName": rig.table,
        "key": "empId",
        "sortKey": None,
    }
    assert by_alias["ImageCollections"]["key"] == "userId"
    assert by_alias["ImageCollections"]["sortKey"] == "collectionId"
    assert {"Users", "Profiles", "Submissions", "Media", "AuditLog"} <= set(by_alias)


def test_admin_item_returns_the_item_or_null(workers: AdminRig, admin_token: str) -> None:
    # given the stored workers
    api = workers.graphql
    # when one is read, and a missing one
    found = api.data(ITEM, {"table": "Workers", "id": "g03"}, token=admin_token)
    missing = api.data(ITEM, {"table": "Workers", "id": "nope"}, token=admin_token)
    # then the first is its JSON, the second null
    assert found["adminItem"] == WORKERS[2]
    assert missing["adminItem"] is None


def test_admin_item_on_a_composite_key_table_needs_sort_id(rig: AdminRig, admin_token: str) -> None:
    # given an ImageCollections key with only its partition part
    # when it is read without sortId
    body = rig.graphql.run(COLLECTION_ITEM, {"id": "u1"}, token=admin_token)
    # then that is bad input naming sortId; with sortId a missing item is null
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "sortId" in body["errors"][0]["message"]
    both = rig.graphql.data(COLLECTION_ITEM, {"id": "u1", "sortId": "c1"}, token=admin_token)
    assert both["adminItem"] is None


def page_through(
    api: Api, doc: str, variables: dict[str, Any], token: str, field: str
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        data = api.data(doc, {**variables, "after": after}, token=token)[field]
        items.extend(data["items"])
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            return items, pages
        after = data["pageInfo"]["endCursor"]


def test_admin_list_pages_reach_every_item_once(workers: AdminRig, admin_token: str) -> None:
    # given seven stored workers
    # when they are listed two at a time
    items, pages = page_through(
        workers.graphql, LIST, {"table": "Workers", "first": 2}, admin_token, "adminList"
    )
    # then four pages hold each worker exactly once
    assert pages == 4
    assert sorted(items, key=lambda i: i["empId"]) == WORKERS


def test_admin_scan_filters_projects_and_pages(workers: AdminRig, admin_token: str) -> None:
    # given seven workers, four of them with red in colors
    variables = {
        "table": "Workers",
        "filter": {"colors": ["red"], "total": {"comparator": ">", "value": 1}},
        "attributes": ["total"],
        "first": 2,
    }
    # when the red ones with total > 1 are scanned two at a time, asking only for total
    items, pages = page_through(workers.graphql, SCAN, variables, admin_token, "adminScan")
    # then exactly those come back, with only the asked-for attribute, in full pages
    assert sorted(i["total"] for i in items) == [3, 5, 7]
    assert all(set(i) == {"total"} for i in items)
    assert pages == 2


def test_a_tampered_cursor_is_bad_user_input(workers: AdminRig, admin_token: str) -> None:
    # given a real cursor
    api = workers.graphql
    first = api.data(LIST, {"table": "Workers", "first": 2}, token=admin_token)["adminList"]
    cursor = first["pageInfo"]["endCursor"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    # when it is tampered with, or replayed on another alias
    bad = api.run(LIST, {"table": "Workers", "first": 2, "after": tampered}, token=admin_token)
    elsewhere = api.run(LIST, {"table": "Media", "first": 2, "after": cursor}, token=admin_token)
    # then both are BAD_USER_INPUT
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert error_codes(elsewhere) == ["BAD_USER_INPUT"]


def test_create_update_delete(rig: AdminRig, admin_token: str) -> None:
    # given a new worker
    api = rig.graphql
    # when it is created, updated (one good action, one failing) and deleted twice
    created = api.data(
        CREATE,
        {"table": "Workers", "item": {"training": {"status": "started"}, "total": 1}},
        token=admin_token,
    )["adminCreateItem"]
    emp_id = created["empId"]
    updated = api.data(
        UPDATE,
        {
            "table": "Workers",
            "id": emp_id,
            "update": {"set": {"training.status": "done"}, "add": {"training": 5}},
        },
        token=admin_token,
    )["adminUpdateItem"]
    deleted = api.data(DELETE, {"table": "Workers", "id": emp_id}, token=admin_token)
    again = api.data(DELETE, {"table": "Workers", "id": emp_id}, token=admin_token)
    # then creation added the audit fields, the update reported each action, and the
    # second delete found nothing
    assert created["createdBy"] == created["lastUpdatedBy"] == "admin, ada"
    assert created["created"] == created["lastUpdatedDateTime"]
    assert updated["success"] is False
    assert [(r["action"], r["success"]) for r in updated["results"]] == [
        ("set", True),
        ("add", False),
    ]
    assert updated["results"][0]["attributes"]["training"] == {"status": "done"}
    assert updated["results"][1]["error"]
    assert deleted == {"adminDeleteItem": True}
    assert again == {"adminDeleteItem": False}
    assert rig.stored(emp_id) is None


def test_update_errors_use_codes(workers: AdminRig, admin_token: str) -> None:
    # given an empty update and an update of a missing item
    api = workers.graphql
    # when they are sent
    empty = api.run(UPDATE, {"table": "Workers", "id": "g01", "update": {}}, token=admin_token)
    missing = api.run(
        UPDATE, {"table": "Workers", "id": "none", "update": {"set": {"a": 1}}}, token=admin_token
    )
    unknown = api.run(ITEM, {"table": "Nope", "id": "1"}, token=admin_token)
    # then they are BAD_USER_INPUT, NOT_FOUND and BAD_USER_INPUT
    assert error_codes(empty) == ["BAD_USER_INPUT"]
    assert error_codes(missing) == ["NOT_FOUND"]
    assert missing["errors"][0]["message"] == "Item not found."
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    assert workers.stored("none") is None


@pytest.mark.parametrize(("doc", "variables"), EVERY_OPERATION, ids=OPERATION_IDS)
def test_only_admins_may_use_the_admin_fields(
    rig: AdminRig, user_token: str, manager_token: str, doc: str, variables: dict[str, Any]
) -> None:
    # given the table as it is
    before = rig.snapshot()
    api = rig.graphql
    # when a user, a manager and nobody try the operation
    as_user = api.run(doc, variables, token=user_token)
    as_manager = api.run(doc, variables, token=manager_token)
    anonymous = api.run(doc, variables)
    # then FORBIDDEN, FORBIDDEN and UNAUTHENTICATED, and nothing was written
    assert error_codes(as_user) == ["FORBIDDEN"]
    assert error_codes(as_manager) == ["FORBIDDEN"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert rig.snapshot() == before


EXACT = "12345678901234567890.123"


def test_decimals_round_trip_without_drift(rig: AdminRig, admin_token: str) -> None:
    # given numbers a float cannot hold, sent as JSON number literals in variables
    body = (
        '{"query": "mutation($t: String!, $i: JSON!) { adminCreateItem(table: $t, item: $i) }",'
        ' "variables": {"t": "Workers", "i": {"empId": "dec-1", "tenth": 0.1, "tiny": 1e-7,'
        f' "big": {EXACT}, "nested": {{"list": [0.1, {EXACT}]}}}}}}}}'
    )
    # when the item is created and read back
    created = rig.http.post(
        f"{rig.url}/graphql",
        content=body,
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
    )
    read = rig.graphql.post(ITEM, {"table": "Workers", "id": "dec-1"}, token=admin_token)
    # then DynamoDB holds exactly the digits sent
    stored = rig.raw({"empId": "dec-1"})
    assert stored is not None
    assert Decimal(stored["tenth"]["N"]) == Decimal("0.1")
    assert Decimal(stored["tiny"]["N"]) == Decimal("1e-7")
    assert stored["big"]["N"] == EXACT
    assert stored["nested"]["M"]["list"]["L"][1]["N"] == EXACT
    # and both answers carry them as exact JSON numbers
    for response, field in ((created, "adminCreateItem"), (read, "adminItem")):
        assert response.status_code == 200, response.text
        assert f'"big":{EXACT}' in response.text
        item = json.loads(response.content, parse_float=Decimal)["data"][field]
        assert item["tenth"] == Decimal("0.1")
        assert item["tiny"] == Decimal("1e-7")
        assert item["big"] == Decimal(EXACT)
        assert item["nested"]["list"] == [Decimal("0.1"), Decimal(EXACT)]


INLINE_UPDATE = """
mutation {
  adminUpdateItem(table: "Workers", id: "g01",
                  update: {set: {title: "Done"}, add: {total: 0.5}}) {
    success results { action success }
  }
}"""


def test_inline_json_literals_work_too(workers: AdminRig, admin_token: str) -> None:
    # given a stored worker
    # when it is updated with the update written inline in the query
    data = workers.graphql.data(INLINE_UPDATE, token=admin_token)["adminUpdateItem"]
    # then both actions apply (a short inline fraction keeps its digits)
    assert data == {
        "success": True,
        "results": [{"action": "set", "success": True}, {"action": "add", "success": True}],
    }
    stored = workers.stored("g01")
    assert stored is not None
    assert stored["title"] == "Done" and stored["total"] == Decimal("1.5")
