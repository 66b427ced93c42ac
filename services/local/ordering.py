"""The sort values of records written before ordered lists existed (`prework init`).

Every versioned write stores a record's `order_attributes` (folded names and titles, a
submission's submitted time) for the sorted indexes; an item an earlier version wrote lacks
them, and a sorted index leaves out an item without its sort attribute. This fills them in,
each under the item's version, so a concurrent change (which writes them itself) wins.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from services.local.counting import COUNTED, parse_record, scan_all
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.dynamo import client_error_code, to_item
from services.store.tables import ALL_TABLES


async def fill_order_attributes(*, aws: Aws, settings: Settings) -> int:
    """Set missing or outdated sort values on every record; returns how many changed."""
    specs = {spec.entity: spec for spec in ALL_TABLES}
    changed = 0
    for entity, kind in COUNTED:
        spec, table = specs[entity], settings.table(entity)
        async for item in scan_all(aws=aws, table=table):
            record = parse_record(kind, item)
            if record is None:
                continue
            wanted = record.order_attributes()
            if all(item.get(k) == v for k, v in wanted.items()):
                continue
            names = {f"#a{i}": k for i, k in enumerate(wanted)}
            values = {f":a{i}": v for i, v in enumerate(wanted.values())}
            try:
                await aws.dynamodb.update_item(
                    TableName=table,
                    Key=to_item(spec.key_of(item)),
                    UpdateExpression="SET "
                    + ", ".join(f"#a{i} = :a{i}" for i in range(len(names))),
                    ConditionExpression="#version = :version",
                    ExpressionAttributeNames=names | {"#version": "version"},
                    ExpressionAttributeValues=to_item(values | {":version": record.version}),
                )
            except ClientError as error:
                if client_error_code(error) != "ConditionalCheckFailedException":
                    raise
                continue  # changed meanwhile: that write stored the values itself
            changed += 1
    return changed
