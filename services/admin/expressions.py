"""The seed-003 scan and update languages, translated into DynamoDB expressions.

Pure functions, no I/O. Every attribute name becomes a `#nX` placeholder and every value a
`:vX` placeholder, so nothing a caller sends is ever pasted into an expression string (list
indexes in paths, `a[2]`, are the one exception: they are checked to be digits).

Matching rule for plain values (DynamoDB cannot tell per item whether an attribute holds a
list or a scalar, so both are asked for): a list or set attribute matches when it CONTAINS
the value, a scalar attribute when it EQUALS it. For strings the `contains` branch is
restricted to non-strings, so "complete" never matches "completed" by substring.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from services.platform.errors import BadInput
from services.platform.exactjson import exact

MAX_PATH_DEPTH = 32
MAX_PATH_LENGTH = 1024
MAX_EXPRESSION_LENGTH = 4096  # DynamoDB's limit for every kind of expression
MAX_IN_VALUES = 100

SCAN_KEYWORDS = ("attributesExist", "attributesNotExist")
UPDATE_ACTIONS = ("set", "remove", "add", "delete", "setListAppend")

_ORDERING = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FUNCTIONS = ("begins_with", "contains", "between", "in")
COMPARATORS = (*_ORDERING, *_FUNCTIONS)

_SEGMENT = re.compile(r"([^\[\]]+)((?:\[\d{1,6}\])*)")
_INDEX = re.compile(r"\[(\d+)\]")
_serializer = TypeSerializer()

Scalar = str | int | Decimal | bool | None


@dataclass(frozen=True)
class Segment:
    """One step of a dotted path: an attribute name and any list indexes after it."""

    name: str
    indexes: tuple[int, ...] = ()


Path = tuple[Segment, ...]


def parse_path(path: object, *, what: str = "attribute path") -> Path:
    """`"training.status"` → segments; `a.b[0].c` is allowed. BadInput when malformed."""
    if not isinstance(path, str) or not path:
        raise BadInput(f"{what} must be a non-empty string")
    if len(path) > MAX_PATH_LENGTH:
        raise BadInput(f"{what} is longer than {MAX_PATH_LENGTH} characters")
    parts = path.split(".")
    if len(parts) > MAX_PATH_DEPTH:
        raise BadInput(f"{what} '{path}' is nested deeper than {MAX_PATH_DEPTH} levels")
    segments = []
    for part in parts:
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise BadInput(f"'{path}' is not a valid {what}")
        indexes = tuple(int(i) for i in _INDEX.findall(match.group(2)))
        segments.append(Segment(match.group(1), indexes))
    return tuple(segments)


def to_wire(value: Any) -> dict[str, Any]:
    """A JSON-like value in DynamoDB's attribute-value form; numbers must fit exactly."""
    try:
        wire: dict[str, Any] = _serializer.serialize(exact(value))
    except decimal.DecimalException:
        raise BadInput(
            f"the number {value} cannot be stored exactly (DynamoDB keeps 38 significant digits)"
        ) from None
    except (TypeError, ValueError) as error:
        raise BadInput(f"value cannot be stored in DynamoDB: {error}") from None
    return wire


class Placeholders:
    """Collects `#name` and `:value` placeholders for one request."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._by_name: dict[str, str] = {}
        self._constants: dict[str, str] = {}

    def name(self, attribute: str) -> str:
        placeholder = self._by_name.get(attribute)
        if placeholder is None:
            placeholder = f"#n{len(self.names)}"
            self.names[placeholder] = attribute
            self._by_name[attribute] = placeholder
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def constant(self, value: str) -> str:
        """A value placeholder shared by every use of the same fixed string (type names)."""
        placeholder = self._constants.get(value)
        if placeholder is None:
            placeholder = self._constants[value] = self.value(value)
        return placeholder

    def path(self, path: str | Path) -> str:
        segments = parse_path(path) if isinstance(path, str) else path
        return ".".join(self.name(s.name) + "".join(f"[{i}]" for i in s.indexes) for s in segments)

    def request(self) -> dict[str, Any]:
        """`ExpressionAttributeNames`/`Values` for the request (only those that are used)."""
        out: dict[str, Any] = {}
        if self.names:
            out["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            out["ExpressionAttributeValues"] = {k: to_wire(v) for k, v in self.values.items()}
        return out


def _checked(expression: str, what: str) -> str:
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise BadInput(
            f"{what} is too large for DynamoDB ({len(expression)} > {MAX_EXPRESSION_LENGTH} "
            "characters once translated); split it up"
        )
    return expression


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | Decimal | bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


# Scan --------------------------------------------------------------------------------------


def filter_expression(scan: object, placeholders: Placeholders) -> str | None:
    """The FilterExpression of a seed-003 `scan` object (None when it has no conditions).

    - `"a": scalar` → a matches the value (see the module docstring for lists vs scalars)
    - `"a": ["x", "y"]` → matches x OR y; `[["x", "y"], ["z"]]` → (x OR y) AND z
    - `"a": {"comparator": op, "value": v}` → exact DynamoDB comparison, see COMPARATORS
    - `attributesExist` / `attributesNotExist`: arrays of paths that must (not) exist
    All conditions are joined with AND; dotted names address nested attributes.
    """
    if not isinstance(scan, Mapping):
        raise BadInput("scan must be a JSON object")
    conditions: list[str] = []
    for attribute, spec in scan.items():
        if attribute in SCAN_KEYWORDS:
            exists = attribute == "attributesExist"
            function = "attribute_exists" if exists else "attribute_not_exists"
            conditions.extend(
                f"{function}({placeholders.path(p)})" for p in _path_list(spec, attribute)
            )
            continue
        target = placeholders.path(parse_path(attribute, what="scan attribute"))
        if isinstance(spec, Mapping):
            conditions.append(_comparison(attribute, target, spec, placeholders))
        elif isinstance(spec, list):
            conditions.append(_any_of_groups(attribute, target, spec, placeholders))
        elif _is_scalar(spec):
            conditions.append(_matches(target, spec, placeholders))
        else:
            raise BadInput(f"scan '{attribute}': unsupported value")
    if not conditions:
        return None
    return _checked(" AND ".join(conditions), "the scan")


def _path_list(spec: object, keyword: str) -> list[Path]:
    if not isinstance(spec, list) or not all(isinstance(p, str) for p in spec):
        raise BadInput(f"{keyword} must be an array of attribute paths")
    return [parse_path(p) for p in spec]


def _matches(path: str, value: Scalar, placeholders: Placeholders) -> str:
    """A list/set attribute containing `value`, or a scalar attribute equal to it."""
    v = placeholders.value(value)
    if value is None:
        return f"{path} = {v}"
    if isinstance(value, str):
        # contains() on a String is a substring test: only let it look inside lists/sets.
        s = placeholders.constant("S")
        return f"({path} = {v} OR (contains({path}, {v}) AND NOT attribute_type({path}, {s})))"
    return f"({path} = {v} OR contains({path}, {v}))"


def _any_of_groups(attribute: str, path: str, spec: list[Any], placeholders: Placeholders) -> str:
    if not spec:
        raise BadInput(f"scan '{attribute}': the array must not be empty")
    nested = [isinstance(v, list) for v in spec]
    if any(nested) and not all(nested):
        raise BadInput(f"scan '{attribute}': use either values or arrays of values, not both")
    groups: list[list[Any]] = spec if all(nested) else [spec]
    parts = []
    for group in groups:
        if not group:
            raise BadInput(f"scan '{attribute}': an inner array must not be empty")
        if not all(_is_scalar(v) for v in group):
            raise BadInput(f"scan '{attribute}': arrays may hold strings, numbers or booleans")
        alternatives = [_matches(path, v, placeholders) for v in group]
        parts.append(alternatives[0] if len(alternatives) == 1 else _or(alternatives))
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _or(parts: Sequence[str]) -> str:
    return "(" + " OR ".join(parts) + ")"


def _comparison(
    attribute: str, path: str, spec: Mapping[str, Any], placeholders: Placeholders
) -> str:
    if set(spec) != {"comparator", "value"}:
        raise BadInput(
            f"scan '{attribute}': an object needs exactly the properties comparator and value"
        )
    comparator, value = spec["comparator"], spec["value"]
    name = comparator.strip().lower() if isinstance(comparator, str) else None
    supported = ", ".join(COMPARATORS)
    if name is None or (name not in _ORDERING and name not in _FUNCTIONS):
        raise BadInput(
            f"scan '{attribute}': unsupported comparator {comparator!r}; use one of {supported}"
        )
    if name in ("=", "<>", "!="):
        return f"{path} {_ORDERING[name]} {placeholders.value(value)}"
    if name in _ORDERING:
        _need(isinstance(value, str) or _is_number(value), attribute, "a string or a number")
        return f"{path} {_ORDERING[name]} {placeholders.value(value)}"
    if name == "begins_with":
        _need(isinstance(value, str) and value != "", attribute, "a non-empty string")
        return f"begins_with({path}, {placeholders.value(value)})"
    if name == "contains":
        _need(_is_scalar(value) and value is not None, attribute, "a string, number or boolean")
        return f"contains({path}, {placeholders.value(value)})"
    if name == "between":
        _need(
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, str) or _is_number(v) for v in value),
            attribute,
            "an array of two strings or numbers [low, high]",
        )
        low, high = (placeholders.value(v) for v in value)
        return f"{path} BETWEEN {low} AND {high}"
    _need(
        isinstance(value, list)
        and 0 < len(value) <= MAX_IN_VALUES
        and all(_is_scalar(v) for v in value),
        attribute,
        f"an array of 1 to {MAX_IN_VALUES} values",
    )
    return f"{path} IN (" + ", ".join(placeholders.value(v) for v in value) + ")"


def _need(ok: bool, attribute: str, what: str) -> None:
    if not ok:
        raise BadInput(f"scan '{attribute}': the value for this comparator must be {what}")


def projection_expression(
    attributes: object, placeholders: Placeholders, *, extra: Sequence[str] = ()
) -> str | None:
    """The ProjectionExpression of `attributesToGet` (None when absent or empty: all
    attributes). `extra` names attributes to read as well (the key, for cursors)."""
    if attributes is None:
        return None
    if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
        raise BadInput("attributesToGet must be an array of attribute paths")
    if not attributes:
        return None
    wanted = list(dict.fromkeys([*attributes, *extra]))
    return _checked(", ".join(placeholders.path(p) for p in wanted), "attributesToGet")


# Update ------------------------------------------------------------------------------------


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
    if kind == "add" and _is_number(value):
        return value
    # add takes an array for a set (a lone string is more likely a mistaken number);
    # delete also takes a single element.
    values = value if isinstance(value, list) else [value] if kind == "delete" else []
    if values and (all(isinstance(v, str) for v in values) or all(_is_number(v) for v in values)):
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
    return _checked(" ".join(clauses), f"the {action.kind} action")


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
