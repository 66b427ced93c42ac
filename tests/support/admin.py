"""A rig for the admin table API tests: a `Workers` table made with boto3, and the real app
served with a `Workers` alias for it (a settings copy; the shared fixtures stay untouched)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from graph.server.app import create_app
from services.platform import exactjson
from services.platform.settings import Settings, TableAlias
from services.runtime.wiring import Runtime
from tests.support.clients import Api, boto, login, scratch_table
from tests.support.server import ServerThread

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@dataclass
class AdminRig:
    url: str
    table: str
    settings: Settings
    dynamodb: Any
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    @property
    def endpoint(self) -> str:
        return f"{self.url}/endpoint"

    @property
    def graphql(self) -> Api:
        return Api(self.url)

    def call(
        self,
        method: str,
        params: dict[str, str] | None = None,
        *,
        token: str | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request to `/endpoint` (JSON body from `json`, or raw `content`)."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json is not None:
            # Exact numbers (Decimal) in, as a JavaScript client would write them.
            content = exactjson.dumps(json)
            sent.setdefault("Content-Type", "application/json")
        return self.http.request(
            method, self.endpoint, params=params, content=content, headers=sent
        )

    def put(self, *items: dict[str, Any]) -> None:
        """Store items directly with boto3 (exact: numbers must be int or Decimal)."""
        for item in items:
            self.dynamodb.put_item(
                TableName=self.table, Item={k: _serializer.serialize(v) for k, v in item.items()}
            )

    def raw(self, key: dict[str, str], table: str | None = None) -> dict[str, Any] | None:
        """An item as DynamoDB stores it (attribute-value form), or None."""
        response = self.dynamodb.get_item(
            TableName=table or self.table,
            Key={k: {"S": v} for k, v in key.items()},
            ConsistentRead=True,
        )
        found: dict[str, Any] | None = response.get("Item")
        return found

    def stored(self, emp_id: str) -> dict[str, Any] | None:
        """An item as plain Python values (numbers as Decimal, sets as sets)."""
        found = self.raw({"empId": emp_id})
        return {k: _deserializer.deserialize(v) for k, v in found.items()} if found else None

    def snapshot(self, table: str | None = None) -> list[dict[str, Any]]:
        """Every item of the table, in wire form, sorted: for 'nothing was written' checks."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": table or self.table, "ConsistentRead": True}
        while True:
            page = self.dynamodb.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(items, key=repr)

    def clear(self) -> None:
        for item in self.snapshot():
            self.dynamodb.delete_item(TableName=self.table, Key={"empId": item["empId"]})


@contextmanager
def admin_rig(
    settings: Settings, *, on_startup: list[Callable[[Runtime], Any]] | None = None
) -> Iterator[AdminRig]:
    """A fresh `Workers` table (key `empId`) and an app that knows it, for one test module."""
    dynamodb = boto(settings, "dynamodb")
    with scratch_table(dynamodb, prefix="ttd-Workers", key="empId") as table:
        aliases = {"Workers": TableAlias(table=table, key="empId")}
        app_settings = settings.model_copy(update={"admin_table_aliases": aliases})
        server = ServerThread(create_app(app_settings, on_startup=on_startup)).start()
        try:
            yield AdminRig(url=server.url, table=table, settings=app_settings, dynamodb=dynamodb)
        finally:
            server.stop()


def make_admin(settings: Settings, username: str, password: str) -> str:
    """A new Cognito admin with `custom:username` = `username`; returns their ID token."""
    cognito = boto(settings, "cognito-idp")
    pool = settings.cognito_user_pool_id
    email = f"{username.replace('.', '-')}-{uuid.uuid4().hex[:6]}@example.com"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:username", "Value": username},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=email, Password=password, Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admin")
    return login(settings, email, password)
