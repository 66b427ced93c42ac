"""GraphQL fuzzing from the schema: generated operations never cause a 5xx or a stack trace,
and every error carries a code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from graphql import (
    BooleanValueNode,
    DocumentNode,
    IntValueNode,
    ListValueNode,
    NameNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    print_ast,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from graph.schema import sdl
from graph.server.app import create_app
from services.local import provisioning
from services.platform.aws import Aws
from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.server import ServerThread

SDL = sdl()


def _json_values() -> st.SearchStrategy[ValueNode]:
    """JSON scalar inputs: strings, numbers, lists and small objects (admin API payloads)."""
    leaves: st.SearchStrategy[ValueNode] = st.one_of(
        st.text(max_size=20).map(lambda v: StringValueNode(value=v)),
        st.integers(-(10**12), 10**12).map(lambda v: IntValueNode(value=str(v))),
        st.booleans().map(lambda v: BooleanValueNode(value=v)),
        st.just(NullValueNode()),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda vs: ListValueNode(values=tuple(vs))),
            st.dictionaries(
                st.from_regex(r"[a-zA-Z][a-zA-Z0-9_.]{0,12}", fullmatch=True), inner, max_size=3
            ).map(
                lambda d: ObjectValueNode(
                    fields=tuple(
                        ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in d.items()
                    )
                )
            ),
        ),
        max_leaves=6,
    )


SCALARS = {
    "DateTime": st.just(StringValueNode(value="2026-01-01T00:00:00Z")),
    "JSON": _json_values(),
}


@pytest.fixture(scope="module")
def fuzz_api(settings: Settings) -> Iterator[Api]:
    """Its own tables, so generated writes never disturb other tests."""
    own = settings.model_copy(update={"table_prefix": "fuzz"})

    async def provision() -> None:
        async with Aws(own) as aws:
            await provisioning.provision(aws=aws, settings=own)

    asyncio.run(provision())
    server = ServerThread(create_app(own)).start()
    yield Api(server.url)
    server.stop()


def _check(api: Api, document: str, token: str) -> None:
    response = api.http.post(
        f"{api.url}/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code < 500, (document, response.text)
    assert "Traceback" not in response.text
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code"), (document, error)
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (document, error)


FUZZ = hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@FUZZ
@given(data=st.data())
def test_generated_queries(
    fuzz_api: Api, admin_token: str, user_token: str, data: st.DataObject
) -> None:
    # given a valid query generated from the schema, as an admin and as a user
    document = data.draw(
        from_schema(SDL, mode=Mode.POSITIVE, custom_scalars=SCALARS, print_ast=_print)
    )
    # then no server error
    _check(fuzz_api, document, admin_token)
    _check(fuzz_api, document, user_token)


@FUZZ
@given(data=st.data())
def test_generated_invalid_operations(fuzz_api: Api, admin_token: str, data: st.DataObject) -> None:
    # given an operation that breaks the schema on purpose (wrong types, missing arguments)
    document = data.draw(
        from_schema(SDL, mode=Mode.NEGATIVE, custom_scalars=SCALARS, print_ast=_print)
    )
    # then a coded client error, never a server error
    _check(fuzz_api, document, admin_token)


def _print(node: DocumentNode) -> str:
    return print_ast(node)
