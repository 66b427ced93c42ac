"""Operation limits, production masking and introspection — each rejection is coded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prework.graph.app import create_app
from prework.services.settings import Settings
from tests.conftest import Stack
from tests.support import Api, ServerThread, boto, error_codes

DEEP = "{ me " + "{ profile { manager " * 5 + "{ email }" + " } }" * 5 + " }"
INTROSPECT = "{ __schema { queryType { name } } }"


@pytest.fixture(scope="module")
def production(settings: Settings) -> Iterator[Api]:
    """The same stack served with ENV=production."""
    prod = settings.model_copy(update={"env": "production", "cursor_secret": "p" * 40})
    server = ServerThread(create_app(prod)).start()
    yield Api(server.url)
    server.stop()


def test_too_deep_is_refused(api: Api, user_token: str) -> None:
    # when the operation nests deeper than 10
    body = api.run(DEEP, token=user_token)
    # then it is refused before running, with a code
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in body["errors"][0]["message"]


def test_too_many_aliases_are_refused(api: Api, user_token: str) -> None:
    # when one operation uses 31 aliases
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(31)) + " }"
    body = api.run(query, token=user_token)
    # then
    assert error_codes(body) and set(error_codes(body)) <= {"GRAPHQL_VALIDATION_FAILED"}


def test_too_many_tokens_are_refused(api: Api, user_token: str) -> None:
    # when the document has more than 2000 tokens
    query = "{ me { " + " ".join(["id"] * 2100) + " } }"
    body = api.run(query, token=user_token)
    # then
    assert error_codes(body) and set(error_codes(body)) <= {
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
    }


def test_syntax_errors_are_parse_failures(api: Api) -> None:
    body = api.run("{ me { ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


def test_unknown_fields_are_validation_failures(api: Api, user_token: str) -> None:
    body = api.run("{ me { password } }", token=user_token)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_wrong_variable_types_are_bad_input(api: Api, user_token: str) -> None:
    body = api.run(
        "query($n: Int!) { users(first: $n) { edges { cursor } } }", {"n": "lots"}, token=user_token
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_introspection_is_on_in_development(api: Api) -> None:
    assert api.data(INTROSPECT)["__schema"]["queryType"]["name"] == "Query"


def test_production_turns_off_introspection_and_graphiql(production: Api) -> None:
    # when introspecting or opening GraphiQL in production
    body = production.run(INTROSPECT)
    page = production.http.get(f"{production.url}/graphql", headers={"Accept": "text/html"})
    # then both are refused
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert page.status_code in (400, 404)


def test_unexpected_errors_are_masked_in_production_and_keep_a_request_id(
    production: Api, settings: Settings, stack: Stack, admin_token: str
) -> None:
    # given a corrupt user item (a role the code does not know)
    boto(settings, "dynamodb").put_item(
        TableName=stack.services.tables.users,
        Item={
            "userId": {"S": "corrupt-user"},
            "email": {"S": "c@example.com"},
            "username": {"S": "c"},
            "role": {"S": "OVERLORD"},
            "isActive": {"BOOL": True},
            "profileId": {"S": "none"},
            "createdAt": {"S": "2026-01-01T00:00:00Z"},
            "updatedAt": {"S": "2026-01-01T00:00:00Z"},
            "createdBy": {"S": "x"},
            "lastUpdatedBy": {"S": "x"},
            "version": {"N": "1"},
        },
    )
    # when reading it
    body = production.run('{ user(id: "corrupt-user") { id } }', token=admin_token)
    # then the client sees a masked, coded error with a request id — no internals
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"]
    assert "OVERLORD" not in str(body)
