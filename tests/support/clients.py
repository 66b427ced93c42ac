"""Clients of the running service and of the moto server: a small GraphQL client, error
codes of a response, a log of the AWS calls the server makes, boto3 clients and sign-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from websockets.sync.client import connect

from services.platform.aws import AwsCall
from services.platform.settings import Settings


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
    """Counts the AWS calls the server makes (attached as a listener on its clients), but
    not its background housekeeping (the revocation poll, once a second)."""

    calls: list[AwsCall] = field(default_factory=list)

    def __call__(self, call: AwsCall) -> None:
        if not call.background:
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


@contextmanager
def scratch_table(dynamodb: Any, *, prefix: str, key: str) -> Iterator[str]:
    """A new table (string hash key `key`) in the test moto server, deleted afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield name
    finally:
        dynamodb.delete_table(TableName=name)


def login(settings: Settings, email: str, password: str, *, access: bool = False) -> str:
    result = boto(settings, "cognito-idp").initiate_auth(
        ClientId=settings.cognito_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    return str(result["AccessToken" if access else "IdToken"])


@contextmanager
def subscribed(api: Api, token: str, query: str) -> Iterator[Any]:
    """A graphql-transport-ws socket to `api`, signed in with `token`, subscribed to `query`
    (acknowledged), as a client opens one."""
    url = api.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        yield ws
