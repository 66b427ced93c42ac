"""Seed 003, section by section: the admin table API at /endpoint as existing clients call it.

Runs against the real app (uvicorn on loopback) and a real moto server, with a `Workers`
alias (key `empId`) on a table this module creates.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.platform.settings import Settings
from tests.support.admin import AdminRig, admin_rig, make_admin

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
G1, G2, G3 = "-989357139129.0", "-988766726027.0", "-977000000000.0"
WORKERS: list[dict[str, Any]] = [
    {
        # matches the seed's big example
        "empId": "110741",
        "worker": {"name": "Ann", "empGroupIds": [G1, G2]},
        "training": {"status": "completed", "isActive": "1"},
        "dueDays": "10",
        "colors": ["red", "blue"],
        "total": 99,
    },
    {
        # matches too: timelimitmet, a third group, "05" <= "10"
        "empId": "352846",
        "worker": {"name": "Bo", "empGroupIds": [G1, G2, G3]},
        "training": {"status": "timelimitmet", "isActive": "1"},
        "dueDays": "05",
        "colors": ["pink", "blue"],
        "total": 100,
    },
    {
        # only one of the two required groups
        "empId": "200001",
        "worker": {"name": "Cy", "empGroupIds": [G1]},
        "training": {"status": "completed", "isActive": "1"},
        "dueDays": "03",
        "colors": ["red"],
        "total": Decimal("12.5"),
    },
    {
        # "completed-late" contains "completed" as a substring: a scalar must EQUAL
        "empId": "200002",
        "worker": {"name": "Di", "empGroupIds": [G1, G2]},
        "training": {"status": "completed-late", "isActive": "1"},
        "dueDays": "01",
        "colors": ["blue"],
        "total": 1000,
    },
    {
        # inactive; colors is a scalar string equal to "red"
        "empId": "200003",
        "worker": {"name": "Ed", "empGroupIds": [G1, G2]},
        "training": {"status": "completed", "isActive": "0"},
        "dueDays": "02",
        "colors": "red",
        "total": -3,
    },
    {
        # completed already (timeOfCompletion exists)
        "empId": "200004",
        "worker": {"name": "Fa", "empGroupIds": [G1, G2]},
        "training": {"status": "completed", "isActive": "1", "timeOfCompletion": 1700000000},
        "dueDays": "04",
        "colors": ["green"],
        "total": Decimal("99.99"),
    },
    {
        # "9" > "10" as strings: the seed compares dueDays as a string
        "empId": "200005",
        "worker": {"name": "Gu", "empGroupIds": [G1, G2]},
        "training": {"status": "completed", "isActive": "1"},
        "dueDays": "9",
        "colors": ["reddish"],
        "total": 150,
    },
    {
        # a scalar string containing "red": no substring matches
        "empId": "200006",
        "worker": {"name": "Hu", "empGroupIds": [G1, G2]},
        "training": {"status": "completed", "isActive": "1"},
        "dueDays": "12",
        "colors": "redblue",
    },
]
ALL_IDS = sorted(w["empId"] for w in WORKERS)
SEED_SCAN_EXAMPLE = {
    "attributesToGet": ["worker"],
    "scan": {
        "worker.empGroupIds": [["-989357139129.0"], ["-988766726027.0"]],
        "training.status": ["completed", "timelimitmet"],
        "training.isActive": "1",
        "attributesNotExist": ["training.timeOfCompletion"],
        "dueDays": {"comparator": "<=", "value": "10"},
    },
}
SEED_PAYLOAD_TEMPLATE = {
    "scan": {},
    "attributesToGet": [],
    "paginate": True,
    "LastEvaluatedKey": {"empId": "352846"},
}
SEED_UPDATE_EXAMPLE = {
    "set": {"training.status": "timelimitmet"},
    "add": {"training.timeInTraining": 180000},
    "setListAppend": {
        "training.taskSids": [
            "WT1e33bd86f2b02bd941b07460e3a984e6",
            "WT23f871f71f44752a3f14ea3e9349e253",
        ]
    },
}
PASSWORD = "Jane-Doe-Admin-2026!"


@pytest.fixture(scope="module")
def rig(settings: Settings) -> Iterator[AdminRig]:
    with admin_rig(settings) as rig:
        yield rig


@pytest.fixture(scope="module")
def jane(settings: Settings) -> str:
    """An admin whose Cognito `custom:username` is "jane.doe"."""
    return make_admin(settings, "jane.doe", PASSWORD)


@pytest.fixture
def workers(rig: AdminRig) -> AdminRig:
    """The table holding exactly WORKERS."""
    rig.clear()
    rig.put(*WORKERS)
    return rig


def body(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(i["empId"] for i in items)


def scan(rig: AdminRig, token: str, payload: dict[str, Any]) -> httpx.Response:
    return rig.call("POST", {"table": "Workers", "action": "scan"}, token=token, json=payload)


# CREATE ----------------------------------------------------------------------------------


def test_create_with_a_supplied_key_adds_the_auto_fields(rig: AdminRig, jane: str) -> None:
    # given a worker with its empId, sent by Jane (custom:username "jane.doe")
    worker = {"empId": "900001", "worker": {"name": "Iv"}, "total": 7}
    # when it is created
    response = rig.call("POST", {"table": "Workers"}, token=jane, json=worker)
    # then the answer is {success, item} with the auto-generated properties
    assert response.status_code == 200
    answer = body(response)
    assert set(answer) == {"success", "item"} and answer["success"] is True
    item = answer["item"]
    assert {k: item[k] for k in worker} == worker
    assert item["createdBy"] == item["lastUpdatedBy"] == "doe, jane"
    assert ISO.fullmatch(item["created"]) and item["lastUpdatedDateTime"] == item["created"]
    assert set(item) == {*worker, "created", "createdBy", "lastUpdatedBy", "lastUpdatedDateTime"}
    # and that is exactly what is stored
    assert rig.stored("900001") == item


def test_create_without_a_key_generates_a_uuid4(rig: AdminRig, admin_token: str) -> None:
    # given a worker without empId, sent by the demo admin (custom:username "ada.admin")
    # when it is created
    response = rig.call("POST", {"table": "Workers"}, token=admin_token, json={"total": 1})
    # then the key is a fresh uuid4 and the identity is "admin, ada"
    item = body(response)["item"]
    assert uuid.UUID(item["empId"]).version == 4
    assert item["createdBy"] == "admin, ada"
    assert rig.stored(item["empId"]) == item


def test_create_with_an_existing_key_replaces_the_whole_record(
    rig: AdminRig, admin_token: str
) -> None:
    # given a stored worker
    rig.put({"empId": "900002", "old": "gone", "total": 1})
    # when a new object is created with its key
    response = rig.call(
        "POST", {"table": "Workers"}, token=admin_token, json={"empId": "900002", "new": "here"}
    )
    # then the record is replaced, not merged
    assert response.status_code == 200
    stored = rig.stored("900002")
    assert stored is not None and "old" not in stored and stored["new"] == "here"


# GET -------------------------------------------------------------------------------------


def test_get_returns_the_item(workers: AdminRig, admin_token: str) -> None:
    # given the stored workers
    # when one is fetched by id
    response = workers.call("GET", {"table": "Workers", "id": "110741"}, token=admin_token)
    # then statusCode 200 and {success: true, item}
    assert response.status_code == 200
    assert body(response) == {"success": True, "item": WORKERS[0]}


def test_get_of_a_missing_item_is_404_item_not_found(rig: AdminRig, admin_token: str) -> None:
    # given no item with this id
    # when it is fetched
    response = rig.call("GET", {"table": "Workers", "id": "no-such-id"}, token=admin_token)
    # then statusCode 404 and exactly the seed's body
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Item not found."}


# LIST ------------------------------------------------------------------------------------


def test_list_returns_a_plain_array_of_every_record(workers: AdminRig, admin_token: str) -> None:
    # given the stored workers
    # when the table is listed without paginate
    response = workers.call("GET", {"table": "Workers"}, token=admin_token)
    # then statusCode 200 and an array of all records
    assert response.status_code == 200
    items = body(response)
    assert isinstance(items, list)
    assert sorted(items, key=lambda i: i["empId"]) == sorted(WORKERS, key=lambda i: i["empId"])


def test_list_with_paginate_returns_dynamodbs_page_object(
    workers: AdminRig, admin_token: str
) -> None:
    # given the stored workers
    # when the table is listed with paginate=true, in pages of 3
    first = workers.call(
        "GET", {"table": "Workers", "paginate": "true", "limit": "3"}, token=admin_token
    )
    everything = workers.call("GET", {"table": "Workers", "paginate": "true"}, token=admin_token)
    # then a page has exactly Items, Count, ScannedCount and LastEvaluatedKey
    page = body(first)
    assert first.status_code == 200
    assert set(page) == {"Items", "Count", "ScannedCount", "LastEvaluatedKey"}
    assert page["Count"] == page["ScannedCount"] == len(page["Items"]) == 3
    assert set(page["LastEvaluatedKey"]) == {"empId"}
    # and the last page has no LastEvaluatedKey, as DynamoDB leaves it out
    whole = body(everything)
    assert set(whole) == {"Items", "Count", "ScannedCount"}
    assert ids(whole["Items"]) == ALL_IDS and whole["Count"] == len(WORKERS)


def test_list_pages_round_trip_url_encoded_last_evaluated_keys(
    workers: AdminRig, admin_token: str
) -> None:
    # given the stored workers and pages of 3
    seen: list[str] = []
    cursor: dict[str, Any] | None = None
    pages = 0
    # when each page's LastEvaluatedKey is sent back encodeURIComponent(JSON.stringify(key))
    while True:
        query = "table=Workers&paginate=true&limit=3"
        if cursor is not None:
            encoded = urllib.parse.quote(json.dumps(cursor, separators=(",", ":")), safe="")
            query += f"&LastEvaluatedKey={encoded}"
        response = workers.http.get(
            f"{workers.endpoint}?{query}", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code == 200, response.text
        page = body(response)
        seen.extend(i["empId"] for i in page["Items"])
        pages += 1
        cursor = page.get("LastEvaluatedKey")
        if cursor is None:
            break
    # then every record is reached exactly once
    assert sorted(seen) == ALL_IDS
    assert len(seen) == len(set(seen))
    assert pages >= 3


def test_list_continues_after_the_seeds_example_key(workers: AdminRig, admin_token: str) -> None:
    # given the scan order of the whole table
    order = [i["empId"] for i in body(workers.call("GET", {"table": "Workers"}, token=admin_token))]
    # when the seed's literal query string is sent
    response = workers.http.get(
        f"{workers.endpoint}?table=Workers&paginate=true"
        "&LastEvaluatedKey=%7B%22empId%22%3A%22110741%22%7D",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    # then the page holds exactly the records after empId 110741
    assert response.status_code == 200
    assert [i["empId"] for i in body(response)["Items"]] == order[order.index("110741") + 1 :]


# SCAN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # colors array contains red OR blue (a scalar colors equal to "red" matches too;
        # ["reddish"] and "redblue" do not: no substring matches)
        ({"scan": {"colors": ["red", "blue"]}}, ["110741", "200001", "200002", "200003", "352846"]),
        # same effect as above
        (
            {"scan": {"colors": [["red", "blue"]]}},
            ["110741", "200001", "200002", "200003", "352846"],
        ),
        # colors array contains (red OR pink) AND blue
        ({"scan": {"colors": [["red", "pink"], ["blue"]]}}, ["110741", "352846"]),
        # total < 100
        (
            {"scan": {"total": {"comparator": "<", "value": 100}}},
            ["110741", "200001", "200003", "200004"],
        ),
    ],
    ids=["string-array-or", "wrapped-array-or", "array-of-arrays-and", "comparator"],
)
def test_scan_examples_of_the_seed(
    workers: AdminRig, admin_token: str, payload: dict[str, Any], expected: list[str]
) -> None:
    # given the stored workers
    # when the seed's example scan is posted
    response = scan(workers, admin_token, payload)
    # then statusCode 200 and a plain array of exactly the matching records
    assert response.status_code == 200, response.text
    items = body(response)
    assert isinstance(items, list)
    assert ids(items) == expected


def test_scan_the_seeds_full_example_with_attributes_to_get(
    workers: AdminRig, admin_token: str
) -> None:
    # given the stored workers
    # when the seed's big example is posted
    response = scan(workers, admin_token, SEED_SCAN_EXAMPLE)
    # then exactly the two workers with both groups, a finished status, active, not yet
    # completed and dueDays <= "10" come back, holding only `worker`
    assert response.status_code == 200, response.text
    items = sorted(body(response), key=lambda i: i["worker"]["name"])
    assert items == [{"worker": WORKERS[0]["worker"]}, {"worker": WORKERS[1]["worker"]}]


def test_scan_the_seeds_payload_template(workers: AdminRig, admin_token: str) -> None:
    # given the scan order of the whole table
    order = [i["empId"] for i in body(workers.call("GET", {"table": "Workers"}, token=admin_token))]
    # when the seed's payload template is posted (empty scan, paginate, LastEvaluatedKey)
    response = scan(workers, admin_token, SEED_PAYLOAD_TEMPLATE)
    # then it is DynamoDB's page object with the records after empId 352846, all attributes
    assert response.status_code == 200, response.text
    page = body(response)
    expected = order[order.index("352846") + 1 :]
    assert set(page) == {"Items", "Count", "ScannedCount"}
    assert [i["empId"] for i in page["Items"]] == expected
    assert page["Count"] == page["ScannedCount"] == len(expected)
    by_id = {w["empId"]: w for w in WORKERS}
    assert page["Items"] == [by_id[i] for i in expected]


def test_scan_paginates_with_filters_and_a_last_evaluated_key(
    workers: AdminRig, admin_token: str
) -> None:
    # given a filter matching five workers
    payload: dict[str, Any] = {"scan": {"colors": ["red", "blue"]}, "paginate": True, "limit": 2}
    seen: list[str] = []
    scanned = 0
    # when it is paged through, posting each LastEvaluatedKey back
    while True:
        page = body(scan(workers, admin_token, payload))
        assert page["Count"] == len(page["Items"]) <= page["ScannedCount"] <= 2
        seen.extend(i["empId"] for i in page["Items"])
        scanned += page["ScannedCount"]
        if "LastEvaluatedKey" not in page:
            break
        payload["LastEvaluatedKey"] = page["LastEvaluatedKey"]
    # then every match is found exactly once, and every record was examined once
    assert sorted(seen) == ["110741", "200001", "200002", "200003", "352846"]
    assert scanned == len(WORKERS)


@pytest.mark.parametrize(
    ("scan_object", "expected"),
    [
        ({"attributesExist": ["training.timeOfCompletion"]}, ["200004"]),
        ({"worker.name": "Bo"}, ["352846"]),
        ({"training.status": "completed-late"}, ["200002"]),
        ({"worker.empGroupIds": G3}, ["352846"]),
        (
            {"dueDays": {"comparator": "between", "value": ["02", "04"]}},
            ["200001", "200003", "200004"],
        ),
        ({"worker.name": {"comparator": "begins_with", "value": "H"}}, ["200006"]),
        (
            {"colors": {"comparator": "contains", "value": "red"}},
            ["110741", "200001", "200003", "200006"],
        ),
        ({"total": {"comparator": "in", "value": [100, 1000]}}, ["200002", "352846"]),
        (
            {"worker.name": {"comparator": "<>", "value": "Ann"}},
            [i for i in ALL_IDS if i != "110741"],
        ),
        ({"colors": {"comparator": "=", "value": ["red", "blue"]}}, ["110741"]),
        (
            {"total": {"comparator": ">=", "value": Decimal("99.99")}},
            ["200002", "200004", "200005", "352846"],
        ),
    ],
    ids=[
        "attributesExist",
        "nested-equality",
        "scalar-equality-not-substring",
        "array-attribute-contains-scalar",
        "between",
        "begins_with",
        "raw-contains-includes-substrings",
        "in",
        "not-equal",
        "exact-list-equality",
        "gte-decimal",
    ],
)
def test_scan_language_beyond_the_examples(
    workers: AdminRig, admin_token: str, scan_object: dict[str, Any], expected: list[str]
) -> None:
    # given the stored workers
    # when a scan using more of the language is posted
    response = scan(workers, admin_token, {"scan": scan_object})
    # then exactly the matching records come back
    assert response.status_code == 200, response.text
    assert ids(body(response)) == expected


# UPDATE ----------------------------------------------------------------------------------


def put_trainee(rig: AdminRig, emp_id: str, **extra: Any) -> None:
    rig.put(
        {
            "empId": emp_id,
            "training": {"status": "started", "timeInTraining": 1000, "taskSids": ["WT0"]},
            "tags": {"a", "b"},
            **extra,
        }
    )


def update(rig: AdminRig, token: str, emp_id: str, payload: Any) -> httpx.Response:
    return rig.call("PUT", {"table": "Workers", "id": emp_id}, token=token, json=payload)


def test_update_with_the_seeds_example_payload(rig: AdminRig, jane: str) -> None:
    # given a worker in training
    put_trainee(rig, "700001")
    # when the seed's update example is sent
    response = update(rig, jane, "700001", SEED_UPDATE_EXAMPLE)
    # then statusCode 200, {success: true, results} with one result per action, in order
    assert response.status_code == 200, response.text
    answer = body(response)
    assert set(answer) == {"success", "results"} and answer["success"] is True
    assert [(r["action"], r["success"]) for r in answer["results"]] == [
        ("set", True),
        ("add", True),
        ("setListAppend", True),
    ]
    assert answer["results"][1]["attributes"]["training"]["timeInTraining"] == 181000
    # and the item holds all three changes and who made them
    stored = rig.stored("700001")
    assert stored is not None
    assert stored["training"] == {
        "status": "timelimitmet",
        "timeInTraining": 181000,
        "taskSids": [
            "WT0",
            "WT1e33bd86f2b02bd941b07460e3a984e6",
            "WT23f871f71f44752a3f14ea3e9349e253",
        ],
    }
    assert stored["lastUpdatedBy"] == "doe, jane"
    assert ISO.fullmatch(stored["lastUpdatedDateTime"])


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        (
            {"set": {"training.status": "done", "level": 2}},
            lambda s: s["training"]["status"] == "done" and s["level"] == 2,
        ),
        ({"remove": {"training.taskSids": True}}, lambda s: "taskSids" not in s["training"]),
        (
            {"remove": ["training.taskSids", "tags"]},
            lambda s: "taskSids" not in s["training"] and "tags" not in s,
        ),
        (
            {"add": {"training.timeInTraining": -400}},
            lambda s: s["training"]["timeInTraining"] == 600,
        ),
        ({"add": {"visits": 1}}, lambda s: s["visits"] == 1),
        ({"add": {"tags": ["c"]}}, lambda s: s["tags"] == {"a", "b", "c"}),
        ({"delete": {"tags": ["a"]}}, lambda s: s["tags"] == {"b"}),
        (
            {"setListAppend": {"training.taskSids": ["WT9"]}},
            lambda s: s["training"]["taskSids"] == ["WT0", "WT9"],
        ),
        ({"setListAppend": {"history": ["first"]}}, lambda s: s["history"] == ["first"]),
        (
            {"set": {"profile.address.city": "Oslo"}},
            lambda s: s["profile"] == {"address": {"city": "Oslo"}},
        ),
        (
            {"set": {"training.details.level": 3}},
            lambda s: (
                s["training"]["details"] == {"level": 3} and s["training"]["status"] == "started"
            ),
        ),
        ({"setListAppend": {"log.entries": ["x"]}}, lambda s: s["log"] == {"entries": ["x"]}),
        ({"add": {"stats.count": 5}}, lambda s: s["stats"] == {"count": 5}),
    ],
    ids=[
        "set",
        "remove-object",
        "remove-array",
        "add-number-nested",
        "add-number-missing",
        "add-to-set",
        "delete-from-set",
        "setListAppend",
        "setListAppend-onto-missing-list",
        "dotted-set-creates-missing-maps",
        "dotted-set-into-existing-map",
        "setListAppend-creates-missing-map",
        "add-creates-missing-map",
    ],
)
def test_each_update_action_alone(
    rig: AdminRig, admin_token: str, payload: dict[str, Any], check: Any
) -> None:
    # given a worker in training
    emp_id = f"7{uuid.uuid4().hex[:8]}"
    put_trainee(rig, emp_id)
    # when one action is sent
    response = update(rig, admin_token, emp_id, payload)
    # then it succeeds and the item shows it
    assert response.status_code == 200, response.text
    answer = body(response)
    assert answer["success"] is True
    assert [r["action"] for r in answer["results"]] == list(payload)
    stored = rig.stored(emp_id)
    assert stored is not None and check(stored), stored
    assert stored["lastUpdatedBy"] == "admin, ada"


def test_update_partial_failure_is_400_with_results(rig: AdminRig, admin_token: str) -> None:
    # given a worker whose `training` is a map
    put_trainee(rig, "700002")
    # when a good set and an add onto the map (not a number) are sent together
    response = update(
        rig,
        admin_token,
        "700002",
        {"set": {"note": "kept"}, "add": {"training": 5}, "setListAppend": {"history": ["h"]}},
    )
    # then statusCode 400 with {success: false, results} telling which action failed
    assert response.status_code == 400
    answer = body(response)
    assert set(answer) == {"success", "results"} and answer["success"] is False
    assert [(r["action"], r["success"]) for r in answer["results"]] == [
        ("set", True),
        ("add", False),
        ("setListAppend", True),
    ]
    assert answer["results"][1]["error"]
    # and the actions that succeeded are applied
    stored = rig.stored("700002")
    assert stored is not None and stored["note"] == "kept" and stored["history"] == ["h"]
    assert isinstance(stored["training"], dict)


def test_update_of_a_missing_item_is_404_and_creates_nothing(
    rig: AdminRig, admin_token: str
) -> None:
    # given no item with this id
    # when an update is sent for it
    response = update(rig, admin_token, "no-such-worker", {"set": {"a": 1}})
    # then 404 Item not found, and no item was made by the update
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Item not found."}
    assert rig.stored("no-such-worker") is None


# DELETE ----------------------------------------------------------------------------------


def test_delete_removes_the_item(rig: AdminRig, admin_token: str) -> None:
    # given a stored worker
    rig.put({"empId": "800001", "total": 1})
    # when it is deleted (twice: deleting nothing is fine too)
    first = rig.call("DELETE", {"table": "Workers", "id": "800001"}, token=admin_token)
    again = rig.call("DELETE", {"table": "Workers", "id": "800001"}, token=admin_token)
    # then statusCode 200 {success: true} and the item is gone
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"success": True}
    assert rig.stored("800001") is None


# OPTIONS ---------------------------------------------------------------------------------


def test_options_is_a_cors_preflight_without_a_token(rig: AdminRig) -> None:
    # given a browser's pre-flight (no Authorization header)
    # when OPTIONS is sent
    response = rig.call(
        "OPTIONS",
        {"table": "Workers", "id": "1"},
        headers={
            "Origin": "https://admin.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    # then statusCode 200 {success: true} with the CORS headers
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert response.headers["access-control-allow-origin"] == "*"
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_every_response_carries_cors_headers(rig: AdminRig, admin_token: str) -> None:
    # given a success, a 404 and a 401
    responses = [
        rig.call("GET", {"table": "Workers"}, token=admin_token),
        rig.call("GET", {"table": "Workers", "id": "nope"}, token=admin_token),
        rig.call("GET", {"table": "Workers"}),
    ]
    # when their headers are read
    # then each allows any origin and names its request id
    assert [r.status_code for r in responses] == [200, 404, 401]
    for response in responses:
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["x-request-id"]


# Composite keys (ImageCollections: userId + collectionId) ---------------------------------


def test_composite_key_tables_take_id_and_sort_id(rig: AdminRig, admin_token: str) -> None:
    # given a collection created through the API with both key parts
    user_id, collection_id = str(uuid.uuid4()), str(uuid.uuid4())
    created = rig.call(
        "POST",
        {"table": "ImageCollections"},
        token=admin_token,
        json={"userId": user_id, "collectionId": collection_id, "name": "Holiday"},
    )
    assert created.status_code == 200, created.text
    params = {"table": "ImageCollections", "id": user_id}
    # when it is read with id alone, and with id and sortId
    without = rig.call("GET", params, token=admin_token)
    found = rig.call("GET", {**params, "sortId": collection_id}, token=admin_token)
    # then id alone is a 400 naming sortId; with both it is found, and can be deleted
    assert without.status_code == 400
    assert without.json()["success"] is False and "sortId" in without.json()["error"]
    assert found.status_code == 200 and found.json()["item"]["name"] == "Holiday"
    deleted = rig.call("DELETE", {**params, "sortId": collection_id}, token=admin_token)
    assert deleted.json() == {"success": True}
    table = rig.settings.table_aliases["ImageCollections"].table
    assert rig.raw({"userId": user_id, "collectionId": collection_id}, table=table) is None
