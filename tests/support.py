"""Test plumbing: a real moto server, the real app served by uvicorn on loopback, and a
small GraphQL client. Nothing is mocked in-process."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import moto
import uvicorn
from jose import jwk, jwt
from starlette.applications import Starlette

from services.platform.aws import AwsCall
from services.platform.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """Runs an ASGI app under uvicorn in a background thread, on a free loopback port."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Api:
    """A GraphQL client for tests: `api.run(DOC, variables, token=...)` returns the JSON body."""

    url: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def run(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = self.post(query, variables, token=token, headers=headers)
        assert response.status_code < 500, response.text
        body: dict[str, Any] = response.json()
        return body

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.http.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = self.run(query, variables, token=token)
        assert not body.get("errors"), body["errors"]
        result: dict[str, Any] = body["data"]
        return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@dataclass
class CallLog:
    """Counts the AWS calls the server makes (attached as a listener on its clients)."""

    calls: list[AwsCall] = field(default_factory=list)

    def __call__(self, call: AwsCall) -> None:
        self.calls.append(call)

    def count(self, operation: str) -> int:
        return sum(1 for c in self.calls if c.operation == operation)

    def waves(self) -> int:
        """Round trips one after another: a call's wave is one more than the deepest wave
        that had finished before it started."""
        ordered = sorted(self.calls, key=lambda c: c.started)
        waves: list[tuple[float, int]] = []
        deepest = 0
        for call in ordered:
            wave = 1 + max((w for ended, w in waves if ended <= call.started), default=0)
            waves.append((call.ended, wave))
            deepest = max(deepest, wave)
        return deepest


def boto(settings: Settings, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=settings.aws_endpoint_url,
        region_name=settings.aws_region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def login(settings: Settings, email: str, password: str, *, access: bool = False) -> str:
    result = boto(settings, "cognito-idp").initiate_auth(
        ClientId=settings.cognito_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    return str(result["AccessToken" if access else "IdToken"])


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


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)
