"""/endpoint refusals: the seed's `{success: false, error}` shape, the right status, and
nothing written. Never a 500 with a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.platform.settings import Settings
from services.runtime.wiring import Runtime
from tests.support.admin import AdminRig, admin_rig
from tests.support.tokens import forge

STORED = [
    {"empId": "1", "colors": ["red"], "training": {"status": "started"}, "total": 5},
    {"empId": "2", "colors": "blue", "total": 7},
]
W = {"table": "Workers"}
SCAN = {"table": "Workers", "action": "scan"}


@pytest.fixture(scope="module")
def rig(settings: Settings) -> Iterator[AdminRig]:
    with admin_rig(settings) as rig:
        rig.put(*STORED)
        yield rig


def assert_refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"}, body
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text
    assert response.headers["access-control-allow-origin"] == "*"
    error: str = body["error"]
    return error


BAD_REQUESTS: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    # (name, method, params, request kwargs)
    ("malformed-json-create", "POST", W, {"content": b'{"empId": "9", '}),
    ("malformed-json-scan", "POST", SCAN, {"content": b"{scan: {}}"}),
    ("malformed-json-update", "PUT", {**W, "id": "1"}, {"content": b'{"set": {"a": 1}'}),
    ("nan-is-not-json", "POST", W, {"content": b'{"empId": "9", "total": NaN}'}),
    ("body-not-an-object", "POST", W, {"json": ["empId", "9"]}),
    ("empty-body", "POST", W, {"content": b""}),
    ("unknown-alias", "POST", {"table": "Nope"}, {"json": {"empId": "9"}}),
    ("unknown-alias-get", "GET", {"table": "workers", "id": "1"}, {}),
    ("missing-table", "POST", {}, {"json": {"empId": "9"}}),
    ("missing-table-get", "GET", {"id": "1"}, {}),
    ("unknown-action", "POST", {**W, "action": "query"}, {"json": {"scan": {}}}),
    ("scan-without-scan", "POST", SCAN, {"json": {"attributesToGet": ["empId"]}}),
    ("scan-unknown-property", "POST", SCAN, {"json": {"scan": {}, "atributesToGet": []}}),
    (
        "bad-comparator",
        "POST",
        SCAN,
        {"json": {"scan": {"total": {"comparator": "~=", "value": 5}}}},
    ),
    (
        "comparator-without-value",
        "POST",
        SCAN,
        {"json": {"scan": {"total": {"comparator": "<"}}}},
    ),
    ("bad-path", "POST", SCAN, {"json": {"scan": {"training..status": "x"}}}),
    ("bad-last-evaluated-key", "POST", SCAN, {"json": {"scan": {}, "LastEvaluatedKey": {"x": 1}}}),
    ("bad-paginate", "GET", {**W, "paginate": "yes"}, {}),
    ("bad-list-key", "GET", {**W, "paginate": "true", "LastEvaluatedKey": "%7Bnope"}, {}),
    ("empty-update", "PUT", {**W, "id": "1"}, {"json": {}}),
    (
        "empty-update-actions",
        "PUT",
        {**W, "id": "1"},
        {"json": {"set": {}, "remove": {}, "add": {}, "delete": {}, "setListAppend": {}}},
    ),
    ("unknown-update-action", "PUT", {**W, "id": "1"}, {"json": {"increment": {"total": 1}}}),
    ("update-mixed-bad-action", "PUT", {**W, "id": "1"}, {"json": {"set": {"a": 1}, "x": {}}}),
    ("update-the-key", "PUT", {**W, "id": "1"}, {"json": {"set": {"empId": "3"}}}),
    ("update-bad-add", "PUT", {**W, "id": "1"}, {"json": {"set": {"a": 1}, "add": {"n": "x"}}}),
    ("update-without-id", "PUT", W, {"json": {"set": {"a": 1}}}),
    ("delete-without-id", "DELETE", W, {}),
    ("delete-empty-id", "DELETE", {**W, "id": ""}, {}),
    ("create-bad-key", "POST", W, {"json": {"empId": "", "a": 1}}),
    (
        "number-too-precise",
        "POST",
        W,
        {"content": b'{"a": 1.234567890123456789012345678901234567890}'},
    ),
    ("sort-id-on-simple-table", "GET", {**W, "id": "1", "sortId": "x"}, {}),
]


@pytest.mark.parametrize(
    ("method", "params", "kwargs"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_requests_are_400_and_write_nothing(
    rig: AdminRig, admin_token: str, method: str, params: dict[str, str], kwargs: dict[str, Any]
) -> None:
    # given the table as it is
    before = rig.snapshot()
    # when a malformed request is sent by an admin
    response = rig.call(method, params, token=admin_token, **kwargs)
    # then it is a 400 in the seed's error shape, and nothing was written
    assert_refused(response, 400)
    assert rig.snapshot() == before


def test_errors_name_the_problem(rig: AdminRig, admin_token: str) -> None:
    # given a few typical mistakes
    # when they are sent
    missing = rig.call("GET", {"id": "1"}, token=admin_token)
    unknown = rig.call("GET", {"table": "Nope"}, token=admin_token)
    action = rig.call("POST", {**W, "action": "query"}, token=admin_token, json={})
    comparator = rig.call(
        "POST", SCAN, token=admin_token, json={"scan": {"total": {"comparator": "~", "value": 1}}}
    )
    empty = rig.call("PUT", {**W, "id": "1"}, token=admin_token, json={"set": {}})
    # then each error says what is wrong
    assert "table" in assert_refused(missing, 400)
    assert "Nope" in assert_refused(unknown, 400)
    assert "query" in assert_refused(action, 400)
    assert "comparator" in assert_refused(comparator, 400)
    assert "empty" in assert_refused(empty, 400)


OPERATIONS: list[tuple[str, dict[str, str], Any]] = [
    ("GET", W, None),
    ("GET", {**W, "id": "1"}, None),
    ("POST", W, {"empId": "9"}),
    ("POST", SCAN, {"scan": {}}),
    ("PUT", {**W, "id": "1"}, {"set": {"hacked": True}}),
    ("DELETE", {**W, "id": "1"}, None),
]


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=["list", "get", "create", "scan", "update", "delete"]
)
def test_non_admins_are_403_and_anonymous_401(
    rig: AdminRig,
    user_token: str,
    manager_token: str,
    operation: tuple[str, dict[str, str], Any],
) -> None:
    method, params, payload = operation
    # given the table as it is
    before = rig.snapshot()
    # when a user, a manager, nobody and a forged token try an operation
    as_user = rig.call(method, params, token=user_token, json=payload)
    as_manager = rig.call(method, params, token=manager_token, json=payload)
    anonymous = rig.call(method, params, json=payload)
    forged = rig.call(method, params, token=forge({"sub": "x", "cognito:groups": ["admin"]}))
    # then non-admins are 403, no or a bad token 401, and nothing was written
    assert "admin" in assert_refused(as_user, 403)
    assert_refused(as_manager, 403)
    assert_refused(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert_refused(forged, 401)
    assert rig.snapshot() == before


def test_a_bare_token_is_accepted_as_api_gateway_did(rig: AdminRig, admin_token: str) -> None:
    # given an old client sending the ID token without "Bearer "
    # when it lists the table
    response = rig.call("GET", W, headers={"Authorization": admin_token})
    # then it works as it did behind API Gateway's Cognito authorizer
    assert response.status_code == 200
    assert sorted(i["empId"] for i in response.json()) == ["1", "2"]


class Broken:
    """A DynamoDB client that fails in an unexpected way."""

    def __getattr__(self, name: str) -> Any:
        async def fail(**_: Any) -> Any:
            raise RuntimeError("secret internals /var/task/handler.py line 42")

        return fail


def break_dynamodb(runtime: Runtime) -> None:
    runtime.aws.dynamodb = Broken()


@pytest.fixture(scope="module")
def broken(settings: Settings) -> Iterator[AdminRig]:
    with admin_rig(settings, on_startup=[break_dynamodb]) as rig:
        yield rig


def test_unexpected_errors_are_500_without_internals_and_logged(
    broken: AdminRig, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given a server whose DynamoDB client fails unexpectedly
    caplog.set_level(logging.ERROR, logger="prework.admin")
    # when an admin lists a table
    response = broken.call(
        "GET", W, token=admin_token, headers={"X-Request-Id": "req-admin-500-test"}
    )
    # then a bare 500 in the seed's shape, with the request id to find the log entry
    assert response.status_code == 500
    assert response.json() == {"success": False, "error": "Internal server error"}
    assert "secret internals" not in response.text
    assert response.headers["x-request-id"] == "req-admin-500-test"
    assert any("req-admin-500-test" in r.getMessage() for r in caplog.records)


def test_head_reads_like_get_and_never_deletes(rig: AdminRig, admin_token: str) -> None:
    # given a stored item
    rig.put({"empId": "head-1", "total": 1})
    # when a HEAD request names it
    response = rig.call("HEAD", {"table": "Workers", "id": "head-1"}, token=admin_token)
    # then it is answered like a GET, and the item is still there
    assert response.status_code == 200
    assert rig.stored("head-1") == {"empId": "head-1", "total": 1}


@pytest.mark.parametrize("method", ["PATCH", "TRACE"])
def test_other_methods_are_405_in_the_seed_shape(
    rig: AdminRig, admin_token: str, method: str
) -> None:
    # when a method the API does not have is used
    response = rig.call(method, {"table": "Workers", "id": "1"}, token=admin_token)
    # then 405 with the seed's error body and the methods that exist
    assert_refused(response, 405)
    assert response.headers["allow"] == "GET, POST, PUT, DELETE, OPTIONS"


def test_oversized_bodies_and_query_strings_keep_the_seed_shape(
    rig: AdminRig, admin_token: str
) -> None:
    # when a body is over MAX_BODY_BYTES, or a query string over MAX_URL_BYTES
    big_body = rig.call("POST", W, token=admin_token, content=b'{"a": "' + b"x" * 300_000 + b'"}')
    big_url = rig.call("GET", {**W, "id": "x" * 20_000}, token=admin_token)
    # then 413 and 414, in the seed's error shape
    assert_refused(big_body, 413)
    assert_refused(big_url, 414)
