"""The list-request builder: key conditions on the index the table spec names, ANDed filters,
placeholders for every name and value, and the key names cursors carry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.dynamo import query_fetch
from services.store.list_request import ListRequest
from services.store.tables import (
    ALL_TABLES,
    AUDIT_LOG,
    IMAGE_COLLECTIONS,
    SUBMISSIONS,
    USERS,
    TableNames,
)

TABLES = TableNames(
    users="t-users",
    profiles="t-profiles",
    submissions="t-submissions",
    media="t-media",
    audit_log="t-audit-log",
    image_collections="t-image-collections",
    counters="t-counters",
    search_index="t-search-index",
)


def test_without_a_partition_it_is_a_scan_of_the_table() -> None:
    # given a query on the audit log with no key condition
    query = ListRequest(AUDIT_LOG, TABLES)
    # when building it
    request = query.request()
    # then it names only the table (query_fetch scans) and cursors carry the primary key
    assert request == {"TableName": "t-audit-log"}
    assert query.key_names == ["logId"]


def test_a_partition_uses_the_index_the_spec_names_for_that_attribute() -> None:
    # given the audit log read by entity
    query = ListRequest(AUDIT_LOG, TABLES).on("entityId", "e-1")
    # when building it
    request = query.request()
    # then the key condition is on EntityIdIndex, through placeholders
    assert request == {
        "TableName": "t-audit-log",
        "IndexName": "EntityIdIndex",
        "KeyConditionExpression": "#entityId = :v0",
        "ExpressionAttributeNames": {"#entityId": "entityId"},
        "ExpressionAttributeValues": {":v0": {"S": "e-1"}},
    }
    # and a position on the index is the table key plus the index key
    assert query.key_names == ["logId", "entityId"]


def test_the_table_partition_key_needs_no_index() -> None:
    # given a user's image collections (the table's own partition key)
    query = ListRequest(IMAGE_COLLECTIONS, TABLES).on("userId", "u-1")
    # when building it
    request = query.request()
    # then there is no IndexName and the cursor key is the full primary key
    assert "IndexName" not in request
    assert request["KeyConditionExpression"] == "#userId = :v0"
    assert query.key_names == ["userId", "collectionId"]


def test_filters_are_joined_with_and_and_in_lists_get_one_placeholder_each() -> None:
    # given submissions by status, limited to a team, of users with a profile
    query = (
        ListRequest(SUBMISSIONS, TABLES)
        .on("status", "SUBMITTED")
        .where_in("userId", ["a", "b", "c"])
        .where_exists("profileId")
        .where("archived", False)
    )
    # when building it
    request = query.request()
    # then
    assert request["IndexName"] == "StatusIndex"
    assert request["KeyConditionExpression"] == "#status = :v0"
    assert request["FilterExpression"] == (
        "#userId IN (:v1, :v2, :v3) AND attribute_exists(#profileId) AND #archived = :v4"
    )
    assert request["ExpressionAttributeNames"] == {
        "#status": "status",
        "#userId": "userId",
        "#profileId": "profileId",
        "#archived": "archived",
    }
    assert request["ExpressionAttributeValues"] == {
        ":v0": {"S": "SUBMITTED"},
        ":v1": {"S": "a"},
        ":v2": {"S": "b"},
        ":v3": {"S": "c"},
        ":v4": {"BOOL": False},
    }


def test_an_attribute_used_twice_shares_its_name_placeholder() -> None:
    # given the audit log by entity, filtered by actor, read again by the same actor
    query = (
        ListRequest(AUDIT_LOG, TABLES).on("entityId", "e").where("userId", "u").where("userId", "v")
    )
    # when building it
    request = query.request()
    # then one name placeholder, two value placeholders
    assert request["ExpressionAttributeNames"] == {"#entityId": "entityId", "#userId": "userId"}
    assert request["FilterExpression"] == "#userId = :v1 AND #userId = :v2"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda q: q.on("username", "x"), "no index on username"),
        (lambda q: q.where_in("role", []), "at least one value"),
        (lambda q: q.on("role", "ADMIN").on("role", "USER"), "one partition"),
    ],
)
def test_impossible_requests_are_refused_while_building(
    build: Callable[[ListRequest], object], message: str
) -> None:
    # given the users table (its indexes are EmailIndex and RoleIndex)
    query = ListRequest(USERS, TABLES)
    # when asking for something DynamoDB could not run
    with pytest.raises(ValueError, match=message):
        build(query)


def test_index_on_email_is_found_on_users() -> None:
    # when the users table is read by email
    # then the spec names its index
    assert USERS.index_on("email") == "EmailIndex"


def test_table_names_know_every_spec() -> None:
    # when asking the real name of every table
    names = {spec.entity: TABLES.of(spec) for spec in ALL_TABLES}
    # then each one is the matching field
    assert names == {
        "users": "t-users",
        "profiles": "t-profiles",
        "submissions": "t-submissions",
        "media": "t-media",
        "audit-log": "t-audit-log",
        "image-collections": "t-image-collections",
        "counters": "t-counters",
        "search-index": "t-search-index",
    }


async def test_dynamodb_accepts_the_built_request(settings: Settings) -> None:
    # given a query on a provisioned table's index with every kind of filter
    query = (
        ListRequest(USERS, TableNames.from_settings(settings))
        .on("role", "ADMIN")
        .where_exists("profileId")
        .where("isActive", True)
        .where_in("userId", ["nobody-1", "nobody-2"])
    )
    # when running it
    async with Aws(settings) as aws:
        items, last = await query_fetch(aws=aws, request=query.request())(None, 10)
    # then DynamoDB runs it (nobody matches) instead of rejecting the expression
    assert items == []
    assert last is None
