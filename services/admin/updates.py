"""The seed-003 update language (set, remove, add, delete, setListAppend), as DynamoDB
UpdateExpressions, with the parent maps a nested path may need created first.

Pure functions, no I/O; names and values go through `Placeholders` (see `paths`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.admin.paths import Path, Placeholders, checked_size, parse_path
from services.admin.values import is_number
from services.platform.errors import BadInput
from services.platform.exactjson import exact

UPDATE_ACTIONS = ("set", "remove", "add", "delete", "setListAppend")


@dataclass(frozen=True)
class UpdateAction:
    """One action of an update payload (`set`, `remove`, …) with its validated entries."""

    kind: str
    entries: tuple[tuple[Path, Any], ...]


_NEEDS_PARENTS = ("set", "add", "setListAppend")


def parse_update(payload: object, *, key_names: Sequence[str]) -> list[UpdateAction]:
    """Validate a seed-003 update payload into actions, in the order the payload lists them.

    Raises BadInput for unknown actions, malformed values, changes to key attributes, or a
    payload with nothing to do. Nothing is written when this raises.
    """
    if not isinstance(payload, Mapping):
        raise BadInput("the update must be a JSON object")
    allowed = ", ".join(UPDATE_ACTIONS)
    unknown = [k for k in payload if k not in UPDATE_ACTIONS]
    if unknown:
        raise BadInput(f"unknown update action '{unknown[0]}'; allowed: {allowed}")
    actions = []
    for kind, spec in payload.items():
        entries = _entries(kind, exact(spec))
        for path, _ in entries:
            if path[0].name in key_names:
                raise BadInput(f"{kind}: '{path[0].name}' is part of the key and cannot change")
        if entries:
            actions.append(UpdateAction(kind, tuple(entries)))
    if not actions:
        raise BadInput(f"the update is empty: give at least one attribute to {allowed}")
    return actions


def _entries(kind: str, spec: Any) -> list[tuple[Path, Any]]:
    if kind == "remove" and isinstance(spec, list):
        return [(parse_path(p, what="remove path"), None) for p in spec]
    if not isinstance(spec, Mapping):
        extra = " or an array of paths" if kind == "remove" else ""
        raise BadInput(f"{kind} must be a JSON object of path: value{extra}")
    entries = []
    for raw_path, value in spec.items():
        path = parse_path(raw_path, what=f"{kind} path")
        entries.append((path, _action_value(kind, str(raw_path), value)))
    return entries


def _action_value(kind: str, path: str, value: Any) -> Any:
    if kind == "set":
        return value
    if kind == "remove":
        return None
    if kind == "setListAppend":
        return value if isinstance(value, list) else [value]
    if kind == "add" and is_number(value):
        return value
    # add takes an array for a set (a lone string is more likely a mistaken number);
    # delete also takes a single element.
    values = value if isinstance(value, list) else [value] if kind == "delete" else []
    if values and (all(isinstance(v, str) for v in values) or all(is_number(v) for v in values)):
        return set(values)
    if kind == "add":
        raise BadInput(f"add '{path}': needs a number, or an array of strings or of numbers")
    raise BadInput(f"delete '{path}': needs a string or number, or an array of them (a set)")


def update_expression(
    action: UpdateAction, placeholders: Placeholders, *, stamp: Mapping[str, Any]
) -> str:
    """The UpdateExpression of one action, plus SETs for the `stamp` attributes it leaves
    alone (who changed the item, and when).

    `add` of a number becomes `SET p = if_not_exists(p, 0) + n` (works on nested paths and
    missing attributes); `add`/`delete` of arrays are DynamoDB set operations;
    `setListAppend` appends to the list, starting one when missing.
    """
    sets: list[str] = []
    removes: list[str] = []
    adds: list[str] = []
    deletes: list[str] = []
    for segments, value in action.entries:
        path = placeholders.path(segments)
        if action.kind == "set":
            sets.append(f"{path} = {placeholders.value(value)}")
        elif action.kind == "remove":
            removes.append(path)
        elif action.kind == "add" and not isinstance(value, set):
            zero, amount = placeholders.value(0), placeholders.value(value)
            sets.append(f"{path} = if_not_exists({path}, {zero}) + {amount}")
        elif action.kind == "add":
            adds.append(f"{path} {placeholders.value(value)}")
        elif action.kind == "delete":
            deletes.append(f"{path} {placeholders.value(value)}")
        else:
            empty, items = placeholders.value([]), placeholders.value(value)
            sets.append(f"{path} = list_append(if_not_exists({path}, {empty}), {items})")
    touched = {segments[0].name for segments, _ in action.entries}
    for name, value in stamp.items():
        if name not in touched:
            sets.append(f"{placeholders.name(name)} = {placeholders.value(value)}")
    clauses = [
        f"{keyword} {', '.join(parts)}"
        for keyword, parts in (
            ("SET", sets),
            ("REMOVE", removes),
            ("ADD", adds),
            ("DELETE", deletes),
        )
        if parts
    ]
    return checked_size(" ".join(clauses), f"the {action.kind} action")


def parent_levels(action: UpdateAction) -> list[list[Path]]:
    """The maps above the action's nested paths, shallowest level first.

    Used when DynamoDB refuses a path whose parent maps are missing: each level is then
    created with `if_not_exists(parent, {})` (one request per level, since a request may
    not touch a path and its parent together). Stops at list indexes: lists are not made.
    """
    if action.kind not in _NEEDS_PARENTS:
        return []
    levels: dict[int, dict[Path, None]] = {}
    for segments, _ in action.entries:
        for depth in range(1, len(segments)):
            if segments[depth - 1].indexes:
                break
            levels.setdefault(depth, {})[segments[:depth]] = None
    return [list(levels[d]) for d in sorted(levels)]


def parents_expression(parents: Sequence[Path], placeholders: Placeholders) -> str:
    """`SET a = if_not_exists(a, {}), …` for one level of `parent_levels`."""
    parts = []
    for parent in parents:
        path = placeholders.path(parent)
        parts.append(f"{path} = if_not_exists({path}, {placeholders.value({})})")
    return "SET " + ", ".join(parts)
