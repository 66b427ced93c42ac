"""Automatic persisted queries over POST and GET: a hash the API does not know is
PersistedQueryNotFound, the client registers the text, then the hash alone runs it; a hash
that is not the text's is refused; GET answers are revalidated with ETags and never kept for
a viewer in a shared cache."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from graph.server.app import create_app
from graph.server.persisted import PersistedOperations, PersistedRefusal
from services.persisted import LocalDocuments
from services.platform.settings import Settings
from tests.support.clients import Api, error_codes
from tests.support.factories.documents import sha256
from tests.support.server import ServerThread

ME = "query Me($withEmail: Boolean!) { me { id email @include(if: $withEmail) } }"
DEACTIVATE = "mutation Deactivate($id: ID!) { deactivateUser(id: $id) { id } }"
TYPENAME = "query Typename { __typename }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def fresh(document: str) -> str:
    """`document` with a comment no other test uses: a hash the store has never seen."""
    return f"# {uuid.uuid4()}\n{document}"


def apq(hash_of: str, *, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(hash_of)}}


def post(
    api: Api,
    body: dict[str, Any],
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return api.http.post(f"{api.url}/graphql", json=body, headers=sent)


def get(
    api: Api,
    params: dict[str, Any],
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A GET as Apollo Client sends it: `variables` and `extensions` as JSON strings."""
    sent = {"Accept": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return api.http.get(f"{api.url}/graphql", params=query, headers=sent)


def test_apq_over_post_misses_then_registers_then_hits(api: Api, user_token: str) -> None:
    # given a document the API has never seen
    document = fresh(ME)
    variables = {"withEmail": True}
    # when the client sends only its hash
    miss = post(api, {"extensions": apq(document), "variables": variables}, token=user_token)
    # then the answer is Apollo's PersistedQueryNotFound (a 200 under application/json)
    assert miss.status_code == 200, miss.text
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert error_codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert miss.headers["cache-control"] == "no-store"
    # when it registers the text with the hash, then sends the hash alone again
    registered = post(
        api,
        {"query": document, "extensions": apq(document), "variables": variables},
        token=user_token,
    )
    hit = post(api, {"extensions": apq(document), "variables": variables}, token=user_token)
    # then both run the operation, and the hit still pays its cost (docs/limits.md)
    assert registered.status_code == hit.status_code == 200, hit.text
    assert "errors" not in hit.json(), hit.text
    assert hit.json()["data"] == registered.json()["data"]
    assert hit.json()["data"]["me"]["email"] == "user@example.com"
    assert hit.json()["extensions"]["cost"]["requested"] >= 1


def test_apq_over_get_misses_then_registers_then_hits(api: Api, user_token: str) -> None:
    # given a document the API has never seen, sent as Apollo's GET link sends it
    document = fresh(ME)
    params = {"operationName": "Me", "variables": {"withEmail": False}}
    # when the hash alone is sent, then the text with it, then the hash alone again
    miss = get(api, {**params, "extensions": apq(document)}, token=user_token)
    registered = get(
        api, {**params, "query": document, "extensions": apq(document)}, token=user_token
    )
    hit = get(api, {**params, "extensions": apq(document)}, token=user_token)
    # then: not found, then the data twice (not the GraphiQL page)
    assert error_codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert registered.status_code == hit.status_code == 200, hit.text
    assert hit.headers["content-type"].startswith("application/json")
    assert hit.json()["data"] == registered.json()["data"]
    assert set(hit.json()["data"]["me"]) == {"id"}


def test_a_get_by_hash_is_never_taken_for_a_visit_to_graphiql(api: Api) -> None:
    # when a GET without `query` but with a hash accepts anything (curl's and httpx's default)
    answer = get(api, {"extensions": apq(fresh(ME))}, headers={"Accept": "*/*"})
    # then it is answered as GraphQL, not with the GraphiQL page
    assert answer.headers["content-type"].startswith("application/json"), answer.text[:80]
    assert error_codes(answer.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_not_found_is_a_404_graphql_response_under_the_graphql_media_type(
    api: Api, user_token: str
) -> None:
    # when a client preferring application/graphql-response+json (Apollo Client 4) misses
    miss = post(
        api,
        {"extensions": apq(fresh(ME)), "variables": {"withEmail": True}},
        token=user_token,
        headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
    )
    # then it is a request error in that media type, which the client parses and retries on
    assert miss.status_code == 404
    assert miss.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in miss.json()
    assert error_codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_hash_that_is_not_the_text_is_refused_and_nothing_is_stored(
    api: Api, user_token: str
) -> None:
    # given a document and the hash of another
    document, other = fresh(ME), fresh(ME)
    # when both are sent together
    refused = post(
        api,
        {"query": document, "extensions": apq(other), "variables": {"withEmail": True}},
        token=user_token,
    )
    # then it is refused, and the hash is still unknown
    assert refused.status_code == 400
    assert error_codes(refused.json()) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    after = post(
        api, {"extensions": apq(other), "variables": {"withEmail": True}}, token=user_token
    )
    assert error_codes(after.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        (
            {"persistedQuery": {"version": 2, "sha256Hash": "a" * 64}},
            "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
        ),
        ({"persistedQuery": {"version": 1, "sha256Hash": "not-hex"}}, "BAD_REQUEST"),
        ({"persistedQuery": "yes"}, "BAD_REQUEST"),
    ],
)
def test_malformed_persisted_query_extensions_are_refused(
    api: Api, extensions: dict[str, Any], code: str
) -> None:
    # when the extension is not version 1 with a hex SHA-256
    refused = post(api, {"extensions": extensions})
    # then it is a coded 400
    assert refused.status_code == 400, refused.text
    assert error_codes(refused.json()) == [code]


def test_a_mutation_by_hash_over_get_is_refused(api: Api, user_token: str) -> None:
    # given a mutation registered over POST (where it may run)
    document = fresh(DEACTIVATE)
    variables = {"id": str(uuid.uuid4())}
    post(
        api,
        {"query": document, "extensions": apq(document), "variables": variables},
        token=user_token,
    )
    # when its hash is sent over GET
    refused = get(api, {"extensions": apq(document), "variables": variables}, token=user_token)
    # then GET does not run it (GraphQL over HTTP: 405, POST allowed)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert error_codes(refused.json()) == ["METHOD_NOT_ALLOWED"]


def test_a_document_id_names_a_registered_document(api: Api, user_token: str) -> None:
    # given a registered document
    document = fresh(ME)
    post(
        api,
        {"query": document, "extensions": apq(document), "variables": {"withEmail": True}},
        token=user_token,
    )
    # when a GraphQL-over-HTTP client names it by documentId (prefixed or bare)
    answers = [
        post(api, {"documentId": key, "variables": {"withEmail": True}}, token=user_token)
        for key in (f"sha256:{sha256(document)}", sha256(document))
    ]
    # then it runs; an unknown id is not found
    assert [a.json()["data"]["me"]["email"] for a in answers] == ["user@example.com"] * 2
    unknown = post(api, {"documentId": f"sha256:{sha256(fresh(ME))}"}, token=user_token)
    assert error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_signed_in_get_is_revalidated_with_its_etag_and_kept_private(
    api: Api, user_token: str
) -> None:
    # given a signed-in query over GET
    params = {"query": ME, "variables": {"withEmail": True}}
    first = get(api, params, token=user_token)
    # then it carries a validator and may be kept only by the viewer's own browser
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"]
    assert "Accept" in first.headers["vary"]
    # when it asks again with If-None-Match
    again = get(api, params, token=user_token, headers={"If-None-Match": etag})
    # then the unchanged data is a 304 without a body, with the same headers
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "private, no-cache"
    # and other data (another variable) is a fresh 200 with another tag
    other = get(
        api,
        {**params, "variables": {"withEmail": False}},
        token=user_token,
        headers={"If-None-Match": etag},
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag


def test_an_anonymous_get_is_revalidated_before_any_cache_reuses_it(api: Api) -> None:
    # when an anonymous query runs over GET
    answer = get(api, {"query": TYPENAME})
    # then a cache may keep it but must ask the API again before each use
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-cache"
    assert "Authorization" in answer.headers["vary"]
    assert (
        get(api, {"query": TYPENAME}, headers={"If-None-Match": answer.headers["etag"]}).status_code
        == 304
    )


def test_posts_and_errors_are_never_stored(api: Api, user_token: str) -> None:
    # when a query is POSTed, and a GET fails
    posted = post(api, {"query": ME, "variables": {"withEmail": True}}, token=user_token)
    failed = get(api, {"query": "{ me { nope } }"}, token=user_token)
    # then neither may be stored, nor has a validator
    assert posted.status_code == 200
    assert posted.headers["cache-control"] == "no-store"
    assert failed.headers["cache-control"] == "no-store"
    assert "etag" not in posted.headers
    assert "etag" not in failed.headers


@pytest.fixture(scope="module")
def small_store(settings: Settings) -> Iterator[Api]:
    """Its own API: room for 2 documents, of at most 300 bytes."""
    own = settings.model_copy(
        update={"persisted_queries_cache_size": 2, "persisted_query_max_bytes": 300}
    )
    server = ServerThread(create_app(own)).start()
    yield Api(server.url)
    server.stop()


def test_the_in_process_store_drops_the_oldest_past_its_size(
    small_store: Api, user_token: str
) -> None:
    # given documents A, B, C registered in that order on an API holding 2
    documents = [fresh(ME) for _ in range(3)]
    variables = {"withEmail": True}
    for document in documents:
        body = {"query": document, "extensions": apq(document), "variables": variables}
        assert post(small_store, body, token=user_token).status_code == 200
    # when each is asked for by hash alone
    codes = [
        error_codes(
            post(
                small_store, {"extensions": apq(d), "variables": variables}, token=user_token
            ).json()
        )
        for d in documents
    ]
    # then A, the oldest, was dropped; B and C run
    assert codes == [["PERSISTED_QUERY_NOT_FOUND"], [], []]


def test_a_document_over_the_size_limit_runs_but_is_not_stored(
    small_store: Api, user_token: str
) -> None:
    # given a document over 300 bytes
    document = fresh(ME) + "\n" + "# padding\n" * 30
    variables = {"withEmail": True}
    # when it is registered
    body = {"query": document, "extensions": apq(document), "variables": variables}
    ran = post(small_store, body, token=user_token)
    # then it ran, but its hash alone is still unknown
    assert ran.json()["data"]["me"]["email"] == "user@example.com"
    again = post(
        small_store, {"extensions": apq(document), "variables": variables}, token=user_token
    )
    assert error_codes(again.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_with_persisted_queries_off_apollo_is_told_to_stop_sending_hashes() -> None:
    # given PERSISTED_QUERIES=false
    persisted = PersistedOperations(enabled=False)
    # when a hash arrives
    with pytest.raises(PersistedRefusal) as refused:
        asyncio.run(persisted.resolve(query=None, extensions=apq(ME), document_id=None))
    # then the answer is the one Apollo Client disables APQ on
    assert refused.value.code == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert refused.value.message == "PersistedQueryNotSupported"


@hypothesis_settings(max_examples=200, deadline=None)
@given(document=st.text(min_size=1, max_size=500))
def test_any_document_round_trips_through_register_and_hit(document: str) -> None:
    # given a store
    persisted = PersistedOperations(documents=LocalDocuments(size=10), max_bytes=4096)
    extensions = apq(document)

    async def scenario() -> tuple[str | None, str | None]:
        registered = await persisted.resolve(
            query=document, extensions=extensions, document_id=None
        )
        hit = await persisted.resolve(query=None, extensions=extensions, document_id=None)
        return registered, hit

    # when any text is registered with its hash, then asked for by the hash
    registered, hit = asyncio.run(scenario())
    # then both give back exactly that text
    assert registered == hit == document
