"""Token verification: only genuine, current RS256 Cognito tokens for our client pass."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk

from services.platform.settings import Settings
from tests.support.clients import Api, error_codes, login
from tests.support.tokens import forge, moto_private_key, sign_raw

ME = "{ me { email } }"


def _claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Claims like moto's ID token for the demo user (whose sub we read from a real token)."""
    now = int(time.time())
    claims = {
        "iss": settings.issuer,
        "aud": settings.cognito_client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:username": "user",
        "email": "user@example.com",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture(scope="module")
def demo_sub(settings: Settings) -> str:
    token = login(settings, "user@example.com", "PreWork-Demo-2026!")
    payload = token.split(".")[1]
    sub: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    return sub


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_forged_token_with_the_right_key_and_claims_is_accepted(
    api: Api, settings: Settings, demo_sub: str
) -> None:
    # given a token signed with the pool's key and correct claims (control for the cases below)
    token = forge(_claims(settings, sub=demo_sub))
    # when it is used
    data = api.data(ME, token=token)
    # then the caller is the demo user
    assert data["me"]["email"] == "user@example.com"


def test_access_tokens_are_accepted(api: Api, settings: Settings) -> None:
    # given a real access token (client_id instead of aud)
    token = login(settings, "user@example.com", "PreWork-Demo-2026!", access=True)
    # when / then
    assert api.data(ME, token=token)["me"]["email"] == "user@example.com"


def _public_pem() -> bytes:
    key = moto_private_key()
    public = {k: key[k] for k in ("kty", "n", "e")}
    return bytes(jwk.construct(public, algorithm="RS256").to_pem())


BAD_TOKENS = {
    "expired": lambda s, sub: forge(_claims(s, sub=sub, exp=int(time.time()) - 60)),
    "wrong audience": lambda s, sub: forge(_claims(s, sub=sub, aud="someone-else")),
    "wrong issuer": lambda s, sub: forge(_claims(s, sub=sub, iss="https://evil.example.com/pool")),
    "unknown kid": lambda s, sub: forge(_claims(s, sub=sub), headers={"kid": "not-a-key"}),
    "no kid": lambda s, sub: sign_raw({"alg": "RS256", "typ": "JWT"}, _claims(s, sub=sub)),
    "alg none": lambda s, sub: (
        _b64({"alg": "none", "typ": "JWT", "kid": "dummy"}) + "." + _b64(_claims(s, sub=sub)) + "."
    ),
    "HS256 with the public key": lambda s, sub: _hs256(_claims(s, sub=sub), _public_pem()),
    "wrong token_use": lambda s, sub: forge(_claims(s, sub=sub, token_use="refresh")),
    "no exp": lambda s, sub: forge(_claims(s, sub=sub, exp=None)),
    "future nbf": lambda s, sub: forge(_claims(s, sub=sub, nbf=int(time.time()) + 3600)),
    "wrong typ": lambda s, sub: sign_raw(
        {"alg": "RS256", "kid": "dummy", "typ": "at+jwt+evil"}, _claims(s, sub=sub)
    ),
    "tampered payload": lambda s, sub: _tamper(forge(_claims(s, sub=sub))),
    "malformed base64": lambda s, sub: "eyJ!!!.###.$$$",
    "oversized": lambda s, sub: "a" * 20_000,
    "garbage": lambda s, sub: "not-a-jwt",
    # CVE-2024-33663 class: python-jose picks the algorithm the key suggests; an attacker's
    # EC key must never be accepted, whatever the header says.
    "ES256 with an attacker's key": lambda s, sub: forge(
        _claims(s, sub=sub), key=_attacker_ec_pem(), algorithm="ES256"
    ),
    "ES256 with an attacker's key and embedded jwk": lambda s, sub: forge(
        _claims(s, sub=sub),
        key=_attacker_ec_pem(),
        algorithm="ES256",
        headers={"kid": "dummy", "jwk": _public_jwk(_attacker_ec_pem(), "ES256")},
    ),
    "RS256 with an attacker's key and embedded jwk": lambda s, sub: forge(
        _claims(s, sub=sub),
        key=_attacker_rsa_pem(),
        headers={"kid": "dummy", "jwk": _public_jwk(_attacker_rsa_pem(), "RS256")},
    ),
    "RS256 with an attacker's key and jku": lambda s, sub: forge(
        _claims(s, sub=sub),
        key=_attacker_rsa_pem(),
        headers={"kid": "dummy", "jku": "http://127.0.0.1:9/jwks.json"},
    ),
}


@functools.cache
def _attacker_ec_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@functools.cache
def _attacker_rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_jwk(private_pem: bytes, algorithm: str) -> dict[str, Any]:
    public: dict[str, Any] = jwk.construct(private_pem, algorithm=algorithm).public_key().to_dict()
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}


def _hs256(claims: dict[str, Any], secret: bytes) -> str:
    """Algorithm confusion: an HMAC over the token keyed with the RSA public key."""
    signing_input = _b64({"alg": "HS256", "typ": "JWT", "kid": "dummy"}) + "." + _b64(claims)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _tamper(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    return f"{head}.{_b64(claims)}.{signature}"


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_unauthenticated(
    api: Api, settings: Settings, demo_sub: str, case: str
) -> None:
    # given a token that is wrong in one way
    token = BAD_TOKENS[case](settings, demo_sub)
    # when it is used
    response = api.post(ME, token=token)
    # then the caller is refused with a code, never a server error
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["me"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_no_token_is_unauthenticated(api: Api) -> None:
    # when nobody signs in
    body = api.run(ME)
    # then
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "Bearer" in body["errors"][0]["message"]
