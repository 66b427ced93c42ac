"""Verified tokens are kept by their text (services/auth/verifier.py): a client's next
requests skip the signature check, but never past the token's expiry, its key's removal from
the key set or JWKS_CACHE_SECONDS, and a revocation refuses a kept token at once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from jose import jwt

from services.auth.verifier import TokenVerifier
from services.platform.errors import Unauthenticated
from services.platform.settings import Settings
from tests.support.counting import counted
from tests.support.tokens import forge


def _token(
    settings: Settings, *, sub: str = "kept-user", lifetime: int = 600, aud: str | None = None
) -> str:
    now = int(time.time())
    return forge(
        {
            "iss": settings.issuer,
            "aud": aud or settings.cognito_client_id,
            "token_use": "id",
            "sub": sub,
            "iat": now,
            "exp": now + lifetime,
            "cognito:username": sub,
        }
    )


def _verifier(settings: Settings, **update: Any) -> TokenVerifier:
    return TokenVerifier(settings=settings.model_copy(update=update))


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times python-jose checked a token's signature and claims."""
    return counted(monkeypatch, "services.auth.verifier.jwt.decode", jwt.decode)


async def test_a_verified_token_is_checked_once(settings: Settings, decodes: list[int]) -> None:
    # given a verifier and a valid token
    verifier = _verifier(settings)
    token = _token(settings)
    # when it is verified three times
    identities = [await verifier.verify(token) for _ in range(3)]
    # then the same caller each time, from one check
    assert {i.user_id for i in identities} == {"kept-user"}
    assert len(decodes) == 1
    await verifier.aclose()


async def test_a_kept_token_is_refused_once_it_expires(
    settings: Settings, decodes: list[int]
) -> None:
    # given a token verified and kept, one second before its expiry
    verifier = _verifier(settings)
    token = _token(settings, lifetime=1)
    await verifier.verify(token)
    # when it is used after its expiry
    await asyncio.sleep(2.1)
    # then it is checked again, and refused
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)
    assert len(decodes) == 2
    await verifier.aclose()


async def test_a_kept_token_is_refused_as_soon_as_its_user_is_revoked(
    settings: Settings, decodes: list[int]
) -> None:
    # given a kept token
    verifier = _verifier(settings)
    token = _token(settings, sub="revoked-user")
    await verifier.verify(token)
    # when its user is revoked (tokens issued until now refused)
    verifier.revocations.revoke("revoked-user", at=time.time() + 1)
    # then the kept token is refused without being checked again
    with pytest.raises(Unauthenticated, match="revoked"):
        await verifier.verify(token)
    assert len(decodes) == 1
    await verifier.aclose()


async def test_a_kept_token_is_checked_again_once_its_key_set_changed(
    settings: Settings, decodes: list[int]
) -> None:
    # given a kept token
    verifier = _verifier(settings)
    token = _token(settings)
    await verifier.verify(token)
    # when the key set is fetched anew (its keys are new objects, as after a rotation)
    verifier._fetched_at = float("-inf")
    await verifier._refresh(force=False)
    # then the token is checked against the key now in the set
    assert (await verifier.verify(token)).user_id == "kept-user"
    assert len(decodes) == 2
    await verifier.aclose()


async def test_a_kept_token_is_checked_again_after_the_key_cache_time(
    settings: Settings, decodes: list[int]
) -> None:
    # given a verifier whose keys (and so its kept tokens) last no time at all
    verifier = _verifier(settings, jwks_cache_seconds=0)
    token = _token(settings)
    # when the token is verified twice
    await verifier.verify(token)
    await verifier.verify(token)
    # then it was checked twice
    assert len(decodes) == 2
    await verifier.aclose()


async def test_the_kept_tokens_are_bounded_and_can_be_turned_off(
    settings: Settings, decodes: list[int]
) -> None:
    # given a verifier keeping one token, and two tokens
    verifier = _verifier(settings, token_cache_size=1)
    first, second = _token(settings, sub="first"), _token(settings, sub="second")
    # when they alternate
    for token in (first, second, first, second):
        await verifier.verify(token)
    # then each use pushed the other out: four checks
    assert len(decodes) == 4
    # and with none kept, every use is checked
    off = _verifier(settings, token_cache_size=0)
    for _ in range(2):
        await off.verify(first)
    assert len(decodes) == 6
    await verifier.aclose()
    await off.aclose()


async def test_a_refused_token_is_never_kept(settings: Settings, decodes: list[int]) -> None:
    # given a token for another client
    verifier = _verifier(settings)
    stranger = _token(settings, sub="x", aud="another-client")
    # when it is used twice
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="another client"):
            await verifier.verify(stranger)
    # then it was checked (and refused) both times
    assert len(decodes) == 2
    await verifier.aclose()
