"""Tokens the service must refuse: signed with moto's own Cognito key but with forged
claims or headers."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import moto
from jose import jwk, jwt


def moto_private_key() -> dict[str, Any]:
    """The RSA key moto signs Cognito tokens with: lets tests forge variations of real tokens."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    key: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return key


def forge(
    claims: dict[str, Any],
    *,
    headers: dict[str, Any] | None = None,
    key: Any = None,
    algorithm: str = "RS256",
) -> str:
    """A token signed with moto's key (or `key`), with the given claims and headers."""
    return str(
        jwt.encode(
            claims,
            key if key is not None else moto_private_key(),
            algorithm=algorithm,
            headers=headers or {"kid": "dummy"},
        )
    )


def sign_raw(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token with exactly `header` (no fields added), signed RS256 with moto's key."""

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = jwk.construct(moto_private_key(), algorithm="RS256").sign(signing_input.encode())
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")
