"""Versioned writes: every change bumps `version`, stamps who/when, and records an audit
entry and moves the counters the change moves (`Record.counted_in`) in the same transaction.
A stale version writes nothing and raises CONFLICT."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from services.auth.identity import Identity
from services.platform import clock
from services.platform.errors import Conflict
from services.store import audit, counters
from services.store.dynamo import put, to_item, transact
from services.store.ports import StoreRuntime
from services.store.records import Record, camel

R = TypeVar("R", bound=Record)


def stamp_new(actor: Identity, at: str) -> dict[str, Any]:
    """The audit fields of a brand-new record."""
    name = actor.audit_name
    return {
        "created_at": at,
        "updated_at": at,
        "created_by": name,
        "last_updated_by": name,
        "version": 1,
    }


def check_version(record: Record, expected: int | None) -> None:
    """A caller who read version N may only write over version N."""
    if expected is not None and expected != record.version:
        raise Conflict(
            f"version {expected} is stale; the current version is {record.version}",
            currentVersion=record.version,
        )


def update_entry(
    *,
    table: str,
    key: dict[str, Any],
    record: Record,
    changes: dict[str, Any],
    actor: Identity,
    at: str,
) -> dict[str, Any]:
    """A TransactWriteItems `Update` that applies `changes` only over `record.version`."""
    names: dict[str, str] = {"#version": "version"}
    values: dict[str, Any] = {":current": record.version, ":one": 1}
    sets = ["#version = #version + :one"]
    removes = []
    fields = {**changes, "updated_at": at, "last_updated_by": actor.audit_name}
    for i, (field, value) in enumerate(fields.items()):
        names[f"#f{i}"] = camel(field)
        if value is None:
            removes.append(f"#f{i}")
        else:
            values[f":v{i}"] = value
            sets.append(f"#f{i} = :v{i}")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return {
        "Update": {
            "TableName": table,
            "Key": to_item(key),
            "UpdateExpression": expression,
            "ConditionExpression": "#version = :current",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


async def save_changes(
    *,
    runtime: StoreRuntime,
    table: str,
    key: dict[str, Any],
    record: R,
    changes: dict[str, Any],
    actor: Identity,
    entity_type: str,
    entity_id: str,
    owner_id: str | None,
    action: str = "UPDATE",
    also: list[dict[str, Any]] | None = None,
    floors: Mapping[str, counters.Floor] | None = None,
) -> R:
    """Apply `changes` to `record` with its audit entry (plus `also` items), atomically; a
    counter in `floors` moved below its minimum cancels it with the floor's error."""
    changes = {k: v for k, v in changes.items() if getattr(record, k) != v}
    changed = dataclasses.replace(record, **changes)
    moves = counters.deltas(before=record.counted_in(), after=changed.counted_in())
    before = record.order_attributes()
    ordering = {k: v for k, v in changed.order_attributes().items() if before.get(k) != v}
    at = clock.now_iso()
    entry = audit.entry(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        owner_id=owner_id,
        changes={camel(k): (getattr(record, k), v) for k, v in changes.items()},
        at=at,
    )
    items = [
        update_entry(
            table=table,
            key=key,
            record=record,
            changes=changes | ordering,
            actor=actor,
            at=at,
        ),
        audit.put_entry(runtime.tables.audit_log, entry),
        *(also or []),
        *counters.move_entries(runtime.tables.counters, moves, floors),
    ]
    await transact(aws=runtime.aws, items=items, refusals=counters.refusals(items, floors))
    return dataclasses.replace(
        record,
        **changes,
        updated_at=at,
        last_updated_by=actor.audit_name,
        version=record.version + 1,
    )


async def create(
    *,
    runtime: StoreRuntime,
    puts: list[tuple[str, Record, str]],
    actor: Identity,
    entity_type: str,
    entity_id: str,
    owner_id: str | None,
    also: list[dict[str, Any]] | None = None,
) -> None:
    """Store new records (table, record, key attribute) with one audit entry (plus `also`
    items), atomically."""
    entry = audit.entry(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action="CREATE",
        owner_id=owner_id,
        at=puts[0][1].created_at,
    )
    items = [
        put(table, record.to_item(), condition=f"attribute_not_exists({key})")
        for table, record, key in puts
    ]
    items.append(audit.put_entry(runtime.tables.audit_log, entry))
    moves = counters.merge(*(counters.deltas(after=r.counted_in()) for _, r, _ in puts))
    items += counters.move_entries(runtime.tables.counters, moves)
    items += also or []
    await transact(aws=runtime.aws, items=items)


async def delete(
    *,
    runtime: StoreRuntime,
    table: str,
    key: dict[str, Any],
    record: Record,
    actor: Identity,
    entity_type: str,
    entity_id: str,
    owner_id: str | None,
    floors: Mapping[str, counters.Floor] | None = None,
) -> None:
    """Delete `record` (only over its current version) with its audit entry, atomically."""
    entry = audit.entry(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action="DELETE",
        owner_id=owner_id,
    )
    item = {
        "Delete": {
            "TableName": table,
            "Key": to_item(key),
            "ConditionExpression": "#version = :current",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item({":current": record.version}),
        }
    }
    items = [
        item,
        audit.put_entry(runtime.tables.audit_log, entry),
        *counters.move_entries(
            runtime.tables.counters, counters.deltas(before=record.counted_in()), floors
        ),
    ]
    await transact(aws=runtime.aws, items=items, refusals=counters.refusals(items, floors))
