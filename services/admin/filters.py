"""The seed-003 scan filter language (and `attributesToGet`), as DynamoDB expressions.

Pure functions, no I/O; names and values go through `Placeholders` (see `paths`).

Matching rule for plain values (DynamoDB cannot tell per item whether an attribute holds a
list or a scalar, so both are asked for): a list or set attribute matches when it CONTAINS
the value, a scalar attribute when it EQUALS it. For strings the `contains` branch is
restricted to non-strings, so "complete" never matches "completed" by substring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.admin.paths import Path, Placeholders, checked_size, parse_path
from services.admin.values import Scalar, is_number, is_scalar
from services.platform.errors import BadInput

MAX_IN_VALUES = 100
SCAN_KEYWORDS = ("attributesExist", "attributesNotExist")

_ORDERING = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FUNCTIONS = ("begins_with", "contains", "between", "in")
COMPARATORS = (*_ORDERING, *_FUNCTIONS)


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
        elif is_scalar(spec):
            conditions.append(_matches(target, spec, placeholders))
        else:
            raise BadInput(f"scan '{attribute}': unsupported value")
    if not conditions:
        return None
    return checked_size(" AND ".join(conditions), "the scan")


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
        if not all(is_scalar(v) for v in group):
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
        _need(isinstance(value, str) or is_number(value), attribute, "a string or a number")
        return f"{path} {_ORDERING[name]} {placeholders.value(value)}"
    if name == "begins_with":
        _need(isinstance(value, str) and value != "", attribute, "a non-empty string")
        return f"begins_with({path}, {placeholders.value(value)})"
    if name == "contains":
        _need(is_scalar(value) and value is not None, attribute, "a string, number or boolean")
        return f"contains({path}, {placeholders.value(value)})"
    if name == "between":
        _need(
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, str) or is_number(v) for v in value),
            attribute,
            "an array of two strings or numbers [low, high]",
        )
        low, high = (placeholders.value(v) for v in value)
        return f"{path} BETWEEN {low} AND {high}"
    _need(
        isinstance(value, list)
        and 0 < len(value) <= MAX_IN_VALUES
        and all(is_scalar(v) for v in value),
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
    return checked_size(", ".join(placeholders.path(p) for p in wanted), "attributesToGet")
