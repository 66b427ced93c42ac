"""The direct path (graph/direct.py): a query or mutation that parses, validates and names one
operation runs without Strawberry's extension stages, and is answered, coded, charged, counted
and logged as the stages would; anything else takes the stages."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from strawberry.types.graphql import OperationType

from graph.direct import DirectPath
from graph.schema import Schema, build_schema
from services.platform.settings import Settings
from tests.conftest import Stack
from tests.graph.server.test_app import NESTED
from tests.support.clients import Api

MISSING = 'query Missing { node(id: "VXNlcjpub3QtdGhlcmU=") { id } user(id: "nobody") { id } }'
CREATE_USER = "mutation Create($i: CreateUserInput!) { createUser(input: $i) { id } }"
TWO = "query A { a: __typename } query B { b: __typename }"
# 2 + 100 x (2 + 100 x 2) = 20,202 points: over MAX_QUERY_COST
EXPENSIVE = """query Everything { users(first: 100) { edges { node {
  submissions(first: 100) { edges { node { media(first: 100) { edges { node { id } } } } } }
} } } }"""

# name: (query, variables, operation name, signed in)
OPERATIONS: dict[str, tuple[str, dict[str, Any] | None, str | None, bool]] = {
    "the nested query": (NESTED, {"n": 3}, None, True),
    "a caller's error in a resolver": (NESTED, {"n": 3}, None, False),
    "errors from the service layer": (MISSING, None, None, True),
    "a variable of the wrong type": (NESTED, {"n": "three"}, None, True),
    "a missing variable": (NESTED, None, None, True),
    "a mutation refused as bad input": (
        CREATE_USER,
        {"i": {"email": "valid@example.com", "username": "x" * 65}},
        None,
        True,
    ),
    "one operation of two, by name": (TWO, None, "B", True),
    "an anonymous operation": ("{ __typename }", None, None, False),
    "too costly to run": (EXPENSIVE, None, None, True),
    # taken by the stages: the direct path leaves them
    "a syntax error": ("query {", None, None, True),
    "an invalid document": ("query Bad { nothing }", None, None, True),
    "two operations, none named": (TWO, None, None, True),
    "an unknown operation name": (TWO, None, "C", True),
}
STAGES_ONLY = {
    "a syntax error",
    "an invalid document",
    "two operations, none named",
    "an unknown operation name",
}


class Counted:
    """The schema's direct path, counting the operations it answered."""

    def __init__(self, path: DirectPath) -> None:
        self.path = path
        self.answered = 0

    async def execute(self, **arguments: Any) -> Any:
        result = await self.path.execute(**arguments)
        self.answered += result is not None
        return result


@pytest.fixture
def schema(stack: Stack) -> Iterator[Schema]:
    """The test server's schema; its direct path is put back after each test."""
    schema = stack.server.app.sockets.schema  # type: ignore[attr-defined]
    assert isinstance(schema, Schema)
    path = schema.direct
    assert path is not None
    yield schema
    schema.direct = path


def _answer(
    api: Api, token: str | None, body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> tuple[int, Any, dict[str, Any]]:
    """Status, body and access-log fields, less what differs between two requests."""
    caplog.clear()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.post(f"{api.url}/graphql", content=json.dumps(body), headers=headers)
    answer = response.json()
    for error in answer.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    throttle = answer.get("extensions", {}).get("cost", {}).get("throttleStatus", {})
    throttle.pop("currentlyAvailable", None)  # the client's bucket drains and refills
    (line,) = [r for r in caplog.records if r.name == "prework.access"]
    logged = {
        key: getattr(line, key)
        for key in ("status", "operation", "operationType", "userId", "errorCodes")
    }
    return response.status_code, answer, logged


@pytest.mark.parametrize("name", OPERATIONS)
def test_an_operation_is_answered_alike_with_and_without_the_stages(
    api: Api, admin_token: str, schema: Schema, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    # given an operation, and the server's direct path counting what it answers
    caplog.set_level(logging.INFO, logger="prework.access")
    query, variables, operation_name, signed_in = OPERATIONS[name]
    token = admin_token if signed_in else None
    body = {"query": query, "variables": variables, "operationName": operation_name}
    assert schema.direct is not None
    counted = Counted(schema.direct)
    schema.direct = counted  # type: ignore[assignment]
    # when it is sent once with the direct path, and once through the stages alone
    direct = _answer(api, token, body, caplog)
    schema.direct = None
    stages = _answer(api, token, body, caplog)
    # then the answers, their codes and cost and the access-log lines are the same
    assert direct == stages
    assert direct[0] < 500
    # and the direct path answered what it may, and left the rest to the stages
    assert counted.answered == (0 if name in STAGES_ONLY else 1)


async def test_what_the_direct_path_leaves_to_the_stages(settings: Settings) -> None:
    # given the schema's direct path, and a context with a runtime (it is never reached)
    schema = build_schema(settings)
    path = schema.direct  # type: ignore[attr-defined]
    assert isinstance(path, DirectPath)
    context = SimpleNamespace(runtime=object())
    cases = {
        "no query": (None, {OperationType.QUERY}, context),
        "a subscription": (
            "subscription { submissionStatusChanged { id } }",
            {OperationType.QUERY, OperationType.SUBSCRIPTION},
            context,
        ),
        "a mutation where only queries are allowed (GET)": (
            "mutation { __typename }",
            {OperationType.QUERY},
            context,
        ),
        "a call without the server's runtime": ("{ __typename }", {OperationType.QUERY}, None),
    }
    for name, (query, allowed, given) in cases.items():
        # when each is offered to it
        result = await path.execute(
            schema=schema,
            query=query,
            variables=None,
            context=given,
            root_value=None,
            operation_name=None,
            allowed=allowed,
            operation_extensions=None,
        )
        # then it declines, and the stages answer
        assert result is None, name


def test_an_unexpected_failure_is_answered_as_a_coded_internal_error(
    api: Api,
    admin_token: str,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a bug in the operation's charging (the budget itself fails open)
    async def broken(**_: Any) -> Any:
        raise RuntimeError("charging broke")

    monkeypatch.setattr("graph.direct.charge_operation", broken)
    caplog.set_level(logging.INFO, logger="prework.access")
    # when an operation runs
    status, answer, logged = _answer(
        api, admin_token, {"query": NESTED, "variables": {"n": 1}}, caplog
    )
    # then it is an internal error with its code, logged, and no server error over HTTP
    assert status == 200
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["INTERNAL_SERVER_ERROR"]
    assert logged["errorCodes"] == ["INTERNAL_SERVER_ERROR"]
    assert any(r.name == "prework.errors" and r.levelname == "ERROR" for r in caplog.records)


def test_a_traced_schema_takes_the_stages(settings: Settings) -> None:
    # when the schema is built with a tracer provider (tracing on)
    from opentelemetry.sdk.trace import TracerProvider

    traced = build_schema(settings, tracer_provider=TracerProvider())
    # then there is no direct path: every operation gets its spans from the stages
    assert traced.direct is None  # type: ignore[attr-defined]
    assert build_schema(settings).direct is not None  # type: ignore[attr-defined]
