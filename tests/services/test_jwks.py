"""The JWKS cache: fetched once, refetched for an unknown kid (rate-limited), and cached keys
keep working while the endpoint is down."""

from __future__ import annotations

import time

import httpx
import pytest

from prework.services.auth import TokenVerifier
from prework.services.errors import Unauthenticated
from prework.services.settings import Settings
from tests.support import forge, free_port, login


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
    # given a verifier that has fetched the keys
    fetches: list[str] = []
    verifier = _verifier(settings, fetches)
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
