"""Idempotent creation of every AWS resource the service needs (`prework init`).

The Python equivalent of seed 002's CLI steps and seed 000's createTable: running it twice
changes nothing and says so.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from services.local.counting import build_counters
from services.local.indexing import build_search_index
from services.local.ordering import fill_order_attributes
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.tables import ALL_TABLES, COUNTERS, SEARCH_INDEX, TableSpec

GROUPS = ("admin", "manager")
# A new index on a large table takes a while to build: wait this long per index.
_INDEX_WAIT_SECONDS = 1800


@dataclass(frozen=True)
class Step:
    resource: str
    name: str
    created: bool

    def __str__(self) -> str:
        return f"{'created' if self.created else 'exists '}  {self.resource:<14} {self.name}"


@dataclass(frozen=True)
class CognitoPool:
    pool_id: str
    client_id: str


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _index_specs(spec: TableSpec) -> dict[str, dict[str, Any]]:
    """Every global secondary index of `spec` as CreateTable / UpdateTable describe one."""
    keys: dict[str, list[dict[str, str]]] = {
        index: [{"AttributeName": attr, "KeyType": "HASH"}] for index, attr in spec.indexes.items()
    }
    for index, (attr, sort) in spec.sorted_indexes.items():
        keys[index] = [
            {"AttributeName": attr, "KeyType": "HASH"},
            {"AttributeName": sort, "KeyType": "RANGE"},
        ]
    return {
        index: {"IndexName": index, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}
        for index, schema in keys.items()
    }


def _attribute_definitions(spec: TableSpec) -> list[dict[str, str]]:
    return [{"AttributeName": a, "AttributeType": "S"} for a in sorted(spec.key_attributes)]


async def ensure_table(*, aws: Aws, spec: TableSpec, name: str) -> list[Step]:
    """Create one table with its GSIs (on-demand billing) unless it exists; add the GSIs an
    existing table lacks (a table an earlier version made), one UpdateTable each."""
    try:
        described = await aws.dynamodb.describe_table(TableName=name)
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        described = None
    indexes = _index_specs(spec)
    if described is not None:
        have = {i["IndexName"] for i in described["Table"].get("GlobalSecondaryIndexes", [])}
        steps = [Step("table", name, created=False)]
        for index, definition in indexes.items():
            if index not in have:
                await _add_index(aws=aws, spec=spec, name=name, definition=definition)
                steps.append(Step("index", f"{name}/{index}", created=True))
        return steps
    key_schema = [{"AttributeName": spec.hash_key, "KeyType": "HASH"}]
    if spec.range_key:
        key_schema.append({"AttributeName": spec.range_key, "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attribute_definitions(spec),
        "KeySchema": key_schema,
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = list(indexes.values())
    await aws.dynamodb.create_table(**request)
    waiter = aws.dynamodb.get_waiter("table_exists")
    await waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return [Step("table", name, created=True)]


async def _add_index(*, aws: Aws, spec: TableSpec, name: str, definition: dict[str, Any]) -> None:
    """Add one GSI and wait until it is ACTIVE (DynamoDB backfills it from the table's items
    meanwhile; the table stays readable and writable)."""
    await aws.dynamodb.update_table(
        TableName=name,
        AttributeDefinitions=_attribute_definitions(spec),
        GlobalSecondaryIndexUpdates=[{"Create": definition}],
    )
    for _ in range(_INDEX_WAIT_SECONDS):
        table = (await aws.dynamodb.describe_table(TableName=name))["Table"]
        statuses = {
            i["IndexName"]: i.get("IndexStatus", "ACTIVE")
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        if statuses.get(definition["IndexName"]) == "ACTIVE":
            return
        await asyncio.sleep(1)
    raise TimeoutError(f"index {definition['IndexName']} of {name} is not ACTIVE yet")


async def ensure_bucket(*, aws: Aws, name: str, cors_origins: list[str] | None) -> Step:
    """Create a private bucket (public access blocked), with CORS rules for browser uploads."""
    created = False
    try:
        await aws.s3.head_bucket(Bucket=name)
    except ClientError as error:
        if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        request: dict[str, Any] = {"Bucket": name}
        if aws.settings.aws_region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": aws.settings.aws_region}
        await aws.s3.create_bucket(**request)
        await aws.s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        created = True
    if cors_origins is not None:
        rules = {
            "CORSRules": [
                {
                    "AllowedHeaders": ["*"],
                    "AllowedMethods": ["GET", "PUT", "POST", "DELETE"],
                    "AllowedOrigins": cors_origins,
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        }
        current = await _bucket_cors(aws=aws, name=name)
        if current != rules["CORSRules"]:
            await aws.s3.put_bucket_cors(Bucket=name, CORSConfiguration=rules)
            created = True
    return Step("bucket", name, created=created)


async def _bucket_cors(*, aws: Aws, name: str) -> list[dict[str, Any]] | None:
    try:
        response = await aws.s3.get_bucket_cors(Bucket=name)
    except ClientError:
        return None
    rules: list[dict[str, Any]] = response.get("CORSRules", [])
    for rule in rules:
        rule.pop("ID", None)
    return rules


async def _ensure_queue(*, aws: Aws, name: str, attributes: dict[str, str]) -> tuple[str, bool]:
    try:
        url = (await aws.sqs.get_queue_url(QueueName=name))["QueueUrl"]
        return str(url), False
    except ClientError as error:
        if "NonExistentQueue" not in _error_code(error):
            raise
    url = (await aws.sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"]
    return str(url), True


async def ensure_queue(*, aws: Aws, settings: Settings) -> list[Step]:
    """The upload-events queue with a dead-letter queue after N receives, open to S3."""
    dlq_name = f"{settings.queue_name}-dlq"
    dlq_url, dlq_created = await _ensure_queue(
        aws=aws, name=dlq_name, attributes={"MessageRetentionPeriod": "1209600"}
    )
    dlq_arn = (await aws.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))[
        "Attributes"
    ]["QueueArn"]
    url, created = await _ensure_queue(
        aws=aws,
        name=settings.queue_name,
        attributes={
            "VisibilityTimeout": str(settings.worker_visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.worker_max_receives}
            ),
        },
    )
    if created:
        arn = await queue_arn(aws=aws, url=url)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                }
            ],
        }
        await aws.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return [Step("queue", dlq_name, dlq_created), Step("queue", settings.queue_name, created)]


async def queue_arn(*, aws: Aws, url: str) -> str:
    attributes = await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


async def ensure_notification(*, aws: Aws, bucket: str, queue_url: str) -> Step:
    """S3 ObjectCreated on `uploads/` → the queue (the worker's trigger)."""
    arn = await queue_arn(aws=aws, url=queue_url)
    wanted = [
        {
            "Id": "prework-uploads",
            "QueueArn": arn,
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
        }
    ]
    current = await aws.s3.get_bucket_notification_configuration(Bucket=bucket)
    have = [c for c in current.get("QueueConfigurations", []) if c.get("QueueArn") == arn]
    if have:
        return Step("notification", f"{bucket} -> queue", created=False)
    await aws.s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": wanted}
    )
    return Step("notification", f"{bucket} -> queue", created=True)


async def ensure_cognito(*, aws: Aws, settings: Settings) -> tuple[CognitoPool, list[Step]]:
    """A user pool (email sign-in, `custom:username`), an app client and the role groups."""
    pool_name = f"{settings.table_prefix}-{settings.stage}"
    steps: list[Step] = []
    pool_id = None
    async for page in aws.cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page.get("UserPools", []):
            if pool["Name"] == pool_name:
                pool_id = pool["Id"]
    pool_created = pool_id is None
    if pool_id is None:
        pool = await aws.cognito.create_user_pool(
            PoolName=pool_name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Schema=[{"Name": "username", "AttributeDataType": "String", "Mutable": True}],
        )
        pool_id = pool["UserPool"]["Id"]
    steps.append(Step("user pool", pool_name, created=pool_created))
    clients = await aws.cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    client_id = next(
        (c["ClientId"] for c in clients["UserPoolClients"] if c["ClientName"] == pool_name), None
    )
    client_created = client_id is None
    if client_id is None:
        client = await aws.cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=pool_name,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        client_id = client["UserPoolClient"]["ClientId"]
    steps.append(Step("app client", pool_name, created=client_created))
    groups = await aws.cognito.list_groups(UserPoolId=pool_id)
    have = {g["GroupName"] for g in groups.get("Groups", [])}
    for group in GROUPS:
        if group not in have:
            await aws.cognito.create_group(UserPoolId=pool_id, GroupName=group)
        steps.append(Step("group", group, created=group not in have))
    return CognitoPool(pool_id=str(pool_id), client_id=str(client_id)), steps


async def provision(*, aws: Aws, settings: Settings, recount: bool = False) -> list[Step]:
    """Tables, counters of the data already stored, buckets (with CORS), queue + DLQ and
    upload notifications. Idempotent; `recount` counts everything again."""
    steps = [
        step
        for spec in ALL_TABLES
        for step in await ensure_table(aws=aws, spec=spec, name=settings.table(spec.entity))
    ]
    filled = await fill_order_attributes(aws=aws, settings=settings)
    steps.append(Step("order values", f"{filled} items", created=filled > 0))
    counted = await build_counters(aws=aws, settings=settings, force=recount)
    steps.append(Step("counters", settings.table(COUNTERS.entity), created=counted))
    indexed = await build_search_index(aws=aws, settings=settings, force=recount)
    steps.append(Step("search entries", settings.table(SEARCH_INDEX.entity), created=indexed))
    origins = settings.cors_allowed_origins
    steps.append(
        await ensure_bucket(aws=aws, name=settings.media_bucket_name, cors_origins=origins)
    )
    steps.append(
        await ensure_bucket(aws=aws, name=settings.thumbnails_bucket_name, cors_origins=None)
    )
    steps.append(
        await ensure_bucket(aws=aws, name=settings.documents_bucket_name, cors_origins=origins)
    )
    steps.extend(await ensure_queue(aws=aws, settings=settings))
    url = (await aws.sqs.get_queue_url(QueueName=settings.queue_name))["QueueUrl"]
    for bucket in (settings.media_bucket_name, settings.documents_bucket_name):
        steps.append(await ensure_notification(aws=aws, bucket=bucket, queue_url=url))
    return steps
