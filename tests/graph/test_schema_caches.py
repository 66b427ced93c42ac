"""Operation limits still apply, repeated operations skip validation (the cache hits), and
responses are encoded with orjson as text (WebSocket clients need text frames)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import websockets
from graphql import validate
from strawberry.types.lazy_type import LazyType

from graph.schema import build_schema
from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.counting import counted

DEEP = "{ me { profile { manager { profile { manager { profile { manager { email } } } } } } } }"


def _settings(**changes: Any) -> Settings:
    return Settings(_env_file=None, **changes)  # type: ignore[call-arg]


async def test_depth_and_alias_limits_still_reject() -> None:
    # given a schema with a depth limit of 4 and an alias limit of 3
    schema = build_schema(_settings(max_query_depth=4, max_aliases=3))
    # when an operation is too deep, or has too many aliases
    deep = await schema.execute(DEEP)
    aliased = await schema.execute("{ a: __typename b: __typename c: __typename d: __typename }")
    # then both are refused before execution
    assert deep.errors and "exceeds maximum operation depth" in deep.errors[0].message
    assert aliased.errors and "aliases found" in aliased.errors[0].message
    assert deep.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_a_repeated_operation_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a count of full validations
    calls = counted(monkeypatch, "strawberry.schema.schema.validate", validate)
    schema = build_schema(_settings())
    document = f"query Unique_{uuid.uuid4().hex} {{ __typename }}"
    # when the same operation runs three times (each with fresh extension instances)
    for _ in range(3):
        result = await schema.execute(document)
        assert result.errors is None
    # then it was validated once: the cache key (schema, document, rules) is stable
    assert len(calls) == 1


async def test_validations_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a count of full validations, and room for one validated document
    calls = counted(monkeypatch, "strawberry.schema.schema.validate", validate)
    schema = build_schema(_settings(validation_cache_size=1))
    first, second = (f"query Q_{uuid.uuid4().hex} {{ __typename }}" for _ in range(2))
    # when two operations alternate, then one repeats
    for document in (first, second, first, first):
        result = await schema.execute(document)
        assert result.errors is None
    # then each change of document validates again (the other was dropped), the repeat not
    assert len(calls) == 3


async def test_an_invalid_document_is_refused_every_time() -> None:
    # given an operation that asks for a field the schema does not have
    schema = build_schema(_settings())
    # when it runs twice (the second time from the kept validation)
    results = [await schema.execute("{ nope }") for _ in range(2)]
    # then both are refused alike
    messages = [r.errors[0].message for r in results if r.errors]
    assert len(messages) == 2
    assert messages[0] == messages[1]
    assert messages[0].startswith("Cannot query field 'nope' on type 'Query'.")


def test_http_responses_are_plain_json(api: Api) -> None:
    response = api.post("{ __typename }")
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.text)
    assert body["data"] == {"__typename": "Query"}
    assert body["extensions"]["cost"]["requested"] == 0  # every response reports its cost


async def test_websocket_messages_are_text_frames(api: Api) -> None:
    url = api.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = await ws.recv()
    assert isinstance(ack, str)
    assert json.loads(ack)["type"] == "connection_ack"


def _lazy_parts(type_: object) -> list[LazyType[Any, Any]]:
    if isinstance(type_, LazyType):
        return [type_]
    inner = getattr(type_, "of_type", None)
    return _lazy_parts(inner) if inner is not None else []


def test_no_field_argument_has_a_lazy_type() -> None:
    # given every field of every object type in the schema
    schema = build_schema(_settings())
    lazy = []
    for definition in schema.schema_converter.type_map.values():
        for field in getattr(definition.definition, "fields", []):
            # when their arguments' types are looked at
            for argument in getattr(field, "arguments", []):
                if _lazy_parts(argument.type):
                    lazy.append(
                        f"{definition.definition.name}.{field.name}({argument.python_name})"
                    )
    # then none is lazy: Strawberry resolves a lazy argument type on every call of its field
    # (an import lookup and two stat calls each time), a per-record cost on list fields
    assert lazy == []
