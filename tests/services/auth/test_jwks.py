"""The JWKS cache: fetched once, refetched for an unknown kid (rate-limited), and cached keys
keep working while the endpoint is down or slow; no request waits longer than one fetch
timeout."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from graph.server.app import create_app
from services.auth.verifier import TokenVerifier
from services.platform.errors import Unauthenticated
from services.platform.settings import Settings
from tests.support.clients import Api, error_codes, login
from tests.support.server import ServerThread, free_port
from tests.support.tokens import forge

ME = "{ me { email } }"


def _verifier(settings: Settings, fetches: list[str], **update: object) -> TokenVerifier:
    async def count(request: httpx.Request) -> None:
        fetches.append(str(request.url))

    http = httpx.AsyncClient(timeout=1.0, event_hooks={"request": [count]})
    return TokenVerifier(settings=settings.model_copy(update=update), http=http)


async def test_keys_are_cached_and_refetched_for_an_unknown_kid(settings: Settings) -> None:
    # given a verifier and a real token
    fetches: list[str] = []
    verifier = _verifier(settings, fetches)
    token = login(settings, "user@example.com", settings.demo_password)
    # when verifying twice
    await verifier.verify(token)
    await verifier.verify(token)
    # then the key set was fetched once
    assert len(fetches) == 1
    # when a token names an unknown kid, twice in a row
    now = int(time.time())
    stranger = forge(
        {
            "iss": settings.issuer,
            "aud": settings.cognito_client_id,
            "token_use": "id",
            "sub": "x",
            "exp": now + 60,
            "iat": now,
        },
        headers={"kid": "rotated-key"},
    )
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="unknown key"):
            await verifier.verify(stranger)
    # then one refetch happened, not one per request
    assert len(fetches) == 2
    await verifier.aclose()


async def test_cached_keys_still_verify_when_the_jwks_endpoint_is_down(settings: Settings) -> None:
    # given a verifier that has fetched the keys (keeping no verified token, so the second
    # verification needs the key again)
    fetches: list[str] = []
    verifier = _verifier(settings, fetches, token_cache_size=0)
    token = login(settings, "user@example.com", settings.demo_password)
    await verifier.verify(token)
    # when the endpoint disappears (a closed port) and the cache is stale
    verifier._jwks_url = f"http://127.0.0.1:{free_port()}/jwks.json"
    verifier._fetched_at = -1e9
    started = time.monotonic()
    identity = await verifier.verify(token)
    # then the cached key is used, quickly
    assert identity.email == "user@example.com"
    assert time.monotonic() - started < 2
    await verifier.aclose()


async def test_no_keys_and_no_endpoint_is_unauthenticated_not_a_hang(settings: Settings) -> None:
    # given a JWKS URL nobody answers
    verifier = _verifier(settings, [], cognito_jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json")
    token = login(settings, "user@example.com", settings.demo_password)
    started = time.monotonic()
    # when / then
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)
    assert time.monotonic() - started < 3
    await verifier.aclose()


class SlowJwks:
    """A loopback JWKS endpoint that answers with the pool's real keys, `delay` seconds late."""

    def __init__(self, document: bytes, delay: float) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                time.sleep(delay)
                with contextlib.suppress(OSError):  # the client gave up meanwhile
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(document)))
                    self.end_headers()
                    self.wfile.write(document)

            def log_message(self, *_: object) -> None:
                pass

        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_jwks(settings: Settings) -> Iterator[SlowJwks]:
    assert settings.jwks_url is not None
    document = httpx.get(settings.jwks_url).content
    server = SlowJwks(document, delay=3.0)
    yield server
    server.close()


def test_a_slow_jwks_endpoint_without_cached_keys_is_unauthenticated_within_the_timeout(
    settings: Settings, slow_jwks: SlowJwks, user_token: str
) -> None:
    # given an API whose key set endpoint answers after 3 s, with a 0.5 s timeout, no keys yet
    own = settings.model_copy(
        update={"cognito_jwks_url": slow_jwks.url, "jwks_timeout_seconds": 0.5}
    )
    server = ServerThread(create_app(own)).start()
    api = Api(server.url)
    try:
        # when ten requests arrive at once
        def timed() -> tuple[list[str], float]:
            started = time.monotonic()
            body = api.run(ME, token=user_token)
            return error_codes(body), time.monotonic() - started

        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda _: timed(), range(10)))
        # then every one ends within about one timeout, UNAUTHENTICATED; none waits its turn
        assert {tuple(codes) for codes, _ in results} == {("UNAUTHENTICATED",)}
        assert max(elapsed for _, elapsed in results) < 2.0, results
        assert slow_jwks.requests == 1
    finally:
        server.stop()


async def test_a_slow_jwks_endpoint_with_cached_keys_still_verifies_promptly(
    settings: Settings, slow_jwks: SlowJwks
) -> None:
    # given a verifier with the keys cached, whose cache is stale and whose endpoint is slow
    verifier = _verifier(settings, [], jwks_timeout_seconds=0.5)
    token = login(settings, "user@example.com", settings.demo_password)
    await verifier.verify(token)
    verifier._jwks_url = slow_jwks.url
    verifier._fetched_at = -1e9
    # when ten requests verify at once
    started = time.monotonic()
    identities = await asyncio.gather(*(verifier.verify(token) for _ in range(10)))
    # then all succeed with the cached key, within about one timeout
    assert {i.email for i in identities} == {"user@example.com"}
    assert time.monotonic() - started < 2.0
    await verifier.aclose()


async def test_prefetch_fetches_the_keys_before_any_token(settings: Settings) -> None:
    # given a fresh verifier
    fetches: list[str] = []
    verifier = _verifier(settings, fetches)
    # when it prefetches, then verifies a token
    await verifier.prefetch()
    assert len(fetches) == 1
    identity = await verifier.verify(login(settings, "user@example.com", settings.demo_password))
    # then the token used the prefetched keys: no second fetch
    assert identity.email == "user@example.com"
    assert len(fetches) == 1
    await verifier.aclose()


async def test_an_identity_keeps_only_the_claims_it_reads(settings: Settings) -> None:
    # given a verified Cognito token (a dozen or more claims)
    verifier = _verifier(settings, [])
    token = login(settings, "user@example.com", settings.demo_password)
    # when verified
    identity = await verifier.verify(token)
    # then the identity holds what it reads, not the whole claim set (it lives per socket)
    assert set(identity.claims) <= {"custom:username", "iat", "exp"}
    assert "iat" in identity.claims
    await verifier.aclose()
