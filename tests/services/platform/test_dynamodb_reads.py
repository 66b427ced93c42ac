"""The read path's DynamoDB client against the moto server: the same answers as aiobotocore,
the same retries and the same botocore errors, reported to the call listeners."""

from __future__ import annotations

from collections.abc import Iterator

import aioboto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from services.platform.aws import Aws, AwsCall
from services.platform.dynamodb_reads import SessionCredentials
from services.platform.settings import Settings
from services.store.dynamo import to_item
from tests.support.clients import boto
from tests.support.processes import THROTTLED, FaultProxy, dynamodb, fault_proxy
from tests.support.server import free_port

TABLE = "dynamodb-reads-test"
QUERY = {
    "TableName": TABLE,
    "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "team"}},
    "ScanIndexForward": False,
    "Limit": 3,
}
VALIDATION = (
    400,
    {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad key"},
)


@pytest.fixture(scope="module")
def table(settings: Settings) -> str:
    client = boto(settings, "dynamodb")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    for i in range(5):
        item = {"pk": "team", "sk": i, "name": f"José {i}", "ratio": "1.50", "tags": {"a", "b"}}
        client.put_item(TableName=TABLE, Item=to_item(item))
    return TABLE


@pytest.fixture
def proxied(settings: Settings) -> Iterator[tuple[Settings, FaultProxy]]:
    assert settings.aws_endpoint_url
    with fault_proxy(settings.aws_endpoint_url) as proxy:
        yield settings.model_copy(update={"aws_endpoint_url": proxy.url}), proxy


@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("Query", QUERY),
        ("Scan", {"TableName": TABLE, "Limit": 2}),
        ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "team"}, "sk": {"N": "3"}}}),
        (
            "BatchGetItem",
            {"RequestItems": {TABLE: {"Keys": [{"pk": {"S": "team"}, "sk": {"N": "1"}}]}}},
        ),
    ],
)
async def test_both_clients_answer_the_same(
    settings: Settings, table: str, operation: str, request_: dict[str, object]
) -> None:
    # given the same request through aiodynamo and through aiobotocore
    answers = []
    for client in ("aiodynamo", "aiobotocore"):
        async with Aws(settings.model_copy(update={"dynamodb_read_client": client})) as aws:
            # when
            answer = await aws.dynamodb_reads.call(operation, dict(request_))
        answer.pop("ResponseMetadata", None)
        answers.append(answer)
    # then the answers are equal, in DynamoDB's attribute-value form
    assert answers[0] == answers[1]
    assert answers[0]


async def test_a_throttled_call_is_retried_and_reported_once(
    proxied: tuple[Settings, FaultProxy], table: str
) -> None:
    # given DynamoDB throttling the first attempt
    settings, proxy = proxied
    proxy.fail(dynamodb("Query"), 1, THROTTLED)
    calls: list[AwsCall] = []
    async with Aws(settings) as aws:
        aws.listeners.append(calls.append)
        # when
        answer = await aws.dynamodb_reads.call("Query", dict(QUERY))
    # then the second attempt answers, and listeners see one Query call
    assert [i["sk"]["N"] for i in answer["Items"]] == ["4", "3", "2"]
    assert proxy.count(dynamodb("Query")) == 2
    assert [(c.service, c.operation) for c in calls] == [("dynamodb", "Query")]


async def test_throttling_beyond_the_attempts_raises_botocores_error(
    proxied: tuple[Settings, FaultProxy], table: str
) -> None:
    # given DynamoDB throttling every attempt, and 2 attempts allowed
    settings, proxy = proxied
    proxy.fail(dynamodb("Query"), 100, THROTTLED)
    async with Aws(settings.model_copy(update={"aws_max_attempts": 2})) as aws:
        # when / then: botocore's exception with DynamoDB's code, after exactly 2 attempts
        with pytest.raises(ClientError) as raised:
            await aws.dynamodb_reads.call("Query", dict(QUERY))
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert proxy.count(dynamodb("Query")) == 2


async def test_a_client_error_is_not_retried(
    proxied: tuple[Settings, FaultProxy], table: str
) -> None:
    # given a request DynamoDB refuses as invalid
    settings, proxy = proxied
    proxy.fail(dynamodb("GetItem"), 1, VALIDATION)
    async with Aws(settings) as aws:
        # when / then
        with pytest.raises(ClientError) as raised:
            await aws.dynamodb_reads.call("GetItem", {"TableName": TABLE, "Key": {}})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == "bad key"
    assert proxy.count(dynamodb("GetItem")) == 1


async def test_an_unreachable_endpoint_is_botocores_connection_error(settings: Settings) -> None:
    # given an endpoint where nothing listens
    unreachable = settings.model_copy(
        update={"aws_endpoint_url": f"http://127.0.0.1:{free_port()}", "aws_max_attempts": 2}
    )
    async with Aws(unreachable) as aws:
        # when / then
        with pytest.raises(EndpointConnectionError):
            await aws.dynamodb_reads.call("Query", dict(QUERY))


async def test_credentials_come_from_the_session_chain() -> None:
    # given a session with explicit keys (the chain's first link)
    session = aioboto3.Session(
        aws_access_key_id="AKIDSESSIONCHAIN",
        aws_secret_access_key="secret",
        aws_session_token="token",
    )
    credentials = SessionCredentials(session.get_credentials)
    # when
    key = await credentials.get_key(None)  # type: ignore[arg-type]
    # then aiodynamo signs with the same key
    assert key is not None
    assert (key.id, key.secret, key.token) == ("AKIDSESSIONCHAIN", "secret", "token")
