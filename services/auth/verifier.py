"""Cognito token verification with python-jose against the pool's JWKS.

Only RS256 is accepted; the key set is cached and refetched when an unknown `kid` appears
(at most once per `_REFETCH_INTERVAL`, so random kids cannot hammer the JWKS endpoint).

A verified token is kept by its text (`TOKEN_CACHE_SIZE`, least recently used dropped): a
frontend sends the same token with every request for an hour, and checking it (base64, JSON,
an RSA signature, the claims) was 0.72 M instructions of a request's 4.0 M at N = 1
(bench/paired.py, bench/notes.md). A kept token is used only before its `exp`, within
`JWKS_CACHE_SECONDS` of its check, and while the key that signed it is still in the key set;
revocation is checked on every request, kept or not. Only tokens that passed every check are
kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx
from jose import jwk, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from services.auth.identity import Identity
from services.auth.revocations import Revocations
from services.platform.errors import Unauthenticated
from services.platform.settings import Settings

log = logging.getLogger("prework.auth")

MAX_TOKEN_BYTES = 8192
_REFETCH_INTERVAL = 10.0
# After a failed or slow fetch, requests use what is cached (or fail) instead of queueing up
# behind one fetch after another.
_RETRY_AFTER_FAILURE = 5.0
_TOKEN_USES = ("id", "access")
_KEPT_CLAIMS = ("custom:username", "iat", "exp")


@dataclass(frozen=True, slots=True)
class _Verified:
    identity: Identity
    expires: float  # the token's `exp` (epoch seconds)
    until: float  # time.monotonic() after which it is checked again
    kid: str
    key: Any  # the key that checked it: the entry is used only while it is still the kid's


class TokenVerifier:
    """Turns a bearer token into an `Identity`, or raises `Unauthenticated`."""

    def __init__(
        self,
        *,
        settings: Settings,
        http: httpx.AsyncClient | None = None,
        revocations: Revocations | None = None,
    ) -> None:
        self._jwks_url = settings.jwks_url
        self._issuer = settings.issuer
        self._client_id = settings.cognito_client_id
        self._ttl = settings.jwks_cache_seconds
        self._timeout = settings.jwks_timeout_seconds
        self._http = http or httpx.AsyncClient(timeout=settings.jwks_timeout_seconds)
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._forced_at = float("-inf")
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._verified_size = settings.token_cache_size
        # Users whose earlier tokens are refused (deactivated, signed out): checked in memory.
        self.revocations = revocations or Revocations(
            size=settings.revocation_list_size, seconds=settings.revocation_seconds
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def prefetch(self) -> None:
        """Fetch the signing keys now (at start-up), not with the first tokens: a burst of
        new WebSockets would otherwise all wait on one fetch made while the event loop is
        busiest, and all be refused if it times out. A failure is logged; requests retry."""
        if self._jwks_url and self._issuer and self._client_id:
            await self._refresh(force=False)

    async def verify(self, token: str) -> Identity:
        """Check signature (RS256), `exp`, `iss`, audience/client and `token_use`."""
        if not self._jwks_url or not self._issuer or not self._client_id:
            raise Unauthenticated("authentication is not configured on this server")
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated("token is too large")
        kept = self._verified.get(token)
        if kept is not None:
            if (
                time.time() < kept.expires
                and time.monotonic() < kept.until
                and self._keys.get(kept.kid) is kept.key
            ):
                self._verified.move_to_end(token)
                self._refuse_revoked(kept.identity)
                return kept.identity
            del self._verified[token]
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise Unauthenticated("malformed token") from None
        if header.get("alg") != "RS256":
            raise Unauthenticated("unsupported token algorithm")
        if header.get("typ", "JWT") != "JWT":
            raise Unauthenticated("unsupported token type")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthenticated("token has no key id")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"verify_aud": False, "require_exp": True, "require_iat": False},
            )
        except ExpiredSignatureError:
            raise Unauthenticated("token has expired") from None
        except JWTClaimsError as error:
            raise Unauthenticated(f"invalid token claims: {error}") from None
        except JWTError:
            raise Unauthenticated("invalid token signature") from None
        identity = self._identity(claims)
        self._refuse_revoked(identity)
        self._keep(token, identity, kid, key)
        return identity

    def _refuse_revoked(self, identity: Identity) -> None:
        if self.revocations.refuses(identity.user_id, issued_at=identity.claims.get("iat")):
            raise Unauthenticated("token has been revoked: sign in again")

    def _keep(self, token: str, identity: Identity, kid: str, key: Any) -> None:
        expires = identity.claims.get("exp")
        if self._verified_size == 0 or not isinstance(expires, int | float):
            return
        until = time.monotonic() + self._ttl
        self._verified[token] = _Verified(identity, float(expires), until, kid, key)
        if len(self._verified) > self._verified_size:
            self._verified.popitem(last=False)

    def _identity(self, claims: dict[str, Any]) -> Identity:
        use = claims.get("token_use")
        if use not in _TOKEN_USES:
            raise Unauthenticated("token_use must be 'id' or 'access'")
        audience = claims.get("aud") if use == "id" else claims.get("client_id")
        if audience != self._client_id:
            raise Unauthenticated("token was issued for another client")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("token has no subject")
        groups = claims.get("cognito:groups") or []
        if not isinstance(groups, list):
            raise Unauthenticated("invalid token groups")
        username = claims.get("cognito:username") or claims.get("username") or sub
        email = claims.get("email")
        return Identity(
            user_id=sub,
            username=str(username),
            email=email if isinstance(email, str) else None,
            groups=frozenset(str(g) for g in groups),
            # Only the claims an Identity reads: one lives as long as each WebSocket (about
            # 2 kB for a whole Cognito token's claims, times every idle subscriber).
            claims={k: claims[k] for k in _KEPT_CLAIMS if k in claims},
        )

    async def _key(self, kid: str) -> Any:
        stale = time.monotonic() - self._fetched_at > self._ttl
        if kid not in self._keys or stale:
            await self._refresh(force=kid not in self._keys)
        found = self._keys.get(kid)
        if found is None:
            raise Unauthenticated("token was signed by an unknown key")
        return found

    async def _refresh(self, *, force: bool) -> None:
        if time.monotonic() - self._failed_at < _RETRY_AFTER_FAILURE:
            return  # the endpoint just failed: no request waits on it again so soon
        async with self._lock:
            now = time.monotonic()
            if now - self._failed_at < _RETRY_AFTER_FAILURE:
                return  # the fetch this request queued behind has just failed
            if force and self._keys:
                # An unknown kid may mean rotated keys: refetch, but at most once per interval.
                if now - self._forced_at < _REFETCH_INTERVAL:
                    return
                self._forced_at = now
            elif not force and now - self._fetched_at <= self._ttl:
                return  # another request refreshed the stale cache meanwhile
            assert self._jwks_url is not None
            try:
                # The whole fetch, not each phase of it, is bounded by the timeout.
                response = await asyncio.wait_for(self._http.get(self._jwks_url), self._timeout)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError, TimeoutError) as error:
                # Keep serving with the cached keys; a token with an unknown kid fails.
                log.warning("JWKS fetch from %s failed: %r", self._jwks_url, error)
                self._failed_at = time.monotonic()
                return
            keys: dict[str, Any] = {}
            for entry in document.get("keys", []) if isinstance(document, dict) else []:
                if entry.get("kty") != "RSA" or entry.get("alg", "RS256") != "RS256":
                    continue
                if isinstance(entry.get("kid"), str):
                    keys[entry["kid"]] = jwk.construct(entry, algorithm="RS256")
            self._keys = keys
            self._fetched_at = now
