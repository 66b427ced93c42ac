"""The scan filter language of seed 003 (and attributesToGet) translated to DynamoDB (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.admin.filters import filter_expression, projection_expression
from services.admin.paths import Placeholders
from services.platform.errors import BadInput
from tests.services.admin.expression_checks import assert_nothing_pasted, resolved

SEED_SCAN = {
    "worker.empGroupIds": [["-989357139129.0"], ["-988766726027.0"]],
    "training.status": ["completed", "timelimitmet"],
    "training.isActive": "1",
    "attributesNotExist": ["training.timeOfCompletion"],
    "dueDays": {"comparator": "<=", "value": "10"},
}


def test_seed_example_scan_translates_with_placeholders_only() -> None:
    # given the seed's example scan
    p = Placeholders()
    # when it is translated
    expression = filter_expression(SEED_SCAN, p)
    assert expression is not None
    # then groups are AND-ed, alternatives OR-ed, and the comparator used as such
    readable = resolved(expression, p)
    assert readable.count(" AND ") >= 4
    assert "attribute_not_exists(training.timeOfCompletion)" in readable
    assert "dueDays <= :v" in readable
    assert "(training.status = :v" in readable
    # and no name or value of the payload is pasted into the expression
    assert_nothing_pasted(expression, SEED_SCAN)
    assert set(p.values.values()) >= {
        "-989357139129.0",
        "-988766726027.0",
        "completed",
        "timelimitmet",
        "1",
        "10",
    }


def test_a_string_matches_list_membership_or_scalar_equality_never_a_substring() -> None:
    # given a plain string value
    p = Placeholders()
    # when it is translated
    expression = filter_expression({"colors": "red"}, p)
    # then it is equality, or contains() restricted to non-string attributes (lists, sets)
    assert expression == "(#n0 = :v0 OR (contains(#n0, :v0) AND NOT attribute_type(#n0, :v1)))"
    assert p.values == {":v0": "red", ":v1": "S"}


def test_a_number_matches_list_membership_or_equality() -> None:
    # given a plain number value
    p = Placeholders()
    # when it is translated
    expression = filter_expression({"total": Decimal("5")}, p)
    # then contains() needs no guard (a number is never a substring)
    assert expression == "(#n0 = :v0 OR contains(#n0, :v0))"


def member(value: str) -> str:
    """The translation of one plain string for `#n0` (type placeholder `:v1`)."""
    return f"(#n0 = {value} OR (contains(#n0, {value}) AND NOT attribute_type(#n0, :v1)))"


def test_a_string_array_is_or_and_an_array_of_arrays_is_and_of_ors() -> None:
    # given the seed's three colour examples
    flat, wrapped, grouped = Placeholders(), Placeholders(), Placeholders()
    # when they are translated
    or_flat = filter_expression({"colors": ["red", "blue"]}, flat)
    or_wrapped = filter_expression({"colors": [["red", "blue"]]}, wrapped)
    and_of_ors = filter_expression({"colors": [["red", "pink"], ["blue"]]}, grouped)
    # then ["red","blue"] and [["red","blue"]] are the same OR
    assert or_flat == or_wrapped == f"({member(':v0')} OR {member(':v2')})"
    assert flat.values == {":v0": "red", ":v1": "S", ":v2": "blue"}
    # and [["red","pink"],["blue"]] is (red OR pink) AND blue
    assert and_of_ors == f"(({member(':v0')} OR {member(':v2')}) AND {member(':v3')})"
    assert grouped.values == {":v0": "red", ":v1": "S", ":v2": "pink", ":v3": "blue"}


@pytest.mark.parametrize(
    "scan",
    [
        {"colors": []},
        {"colors": [[]]},
        {"colors": ["red", ["blue"]]},
        {"colors": [{"a": 1}]},
        {"total": {"comparator": "<"}},
        {"total": {"comparator": "<", "value": 1, "extra": 2}},
        {"total": {"comparator": "~", "value": 1}},
        {"total": {"comparator": "LIKE", "value": "a%"}},
        {"total": {"comparator": "<", "value": [1]}},
        {"total": {"comparator": "between", "value": [1]}},
        {"total": {"comparator": "in", "value": []}},
        {"name": {"comparator": "begins_with", "value": 3}},
        {"attributesExist": "training"},
        {"attributesNotExist": [1]},
        {"a..b": "x"},
        "not an object",
    ],
)
def test_malformed_scans_are_bad_input(scan: Any) -> None:
    # given a malformed scan
    # when it is translated
    # then it is refused, naming the problem
    with pytest.raises(BadInput):
        filter_expression(scan, Placeholders())


@pytest.mark.parametrize(
    ("comparator", "value", "shape"),
    [
        ("=", "a", "#n0 = :v0"),
        ("<>", "a", "#n0 <> :v0"),
        ("!=", "a", "#n0 <> :v0"),
        ("<", 1, "#n0 < :v0"),
        ("<=", 1, "#n0 <= :v0"),
        (">", 1, "#n0 > :v0"),
        (">=", "10", "#n0 >= :v0"),
        ("begins_with", "ab", "begins_with(#n0, :v0)"),
        ("contains", "ab", "contains(#n0, :v0)"),
        ("BETWEEN", [1, 9], "#n0 BETWEEN :v0 AND :v1"),
        ("in", ["a", "b", "c"], "#n0 IN (:v0, :v1, :v2)"),
    ],
)
def test_every_supported_comparator(comparator: str, value: Any, shape: str) -> None:
    # given a comparator object
    p = Placeholders()
    # when it is translated
    expression = filter_expression({"f": {"comparator": comparator, "value": value}}, p)
    # then it is the DynamoDB comparison, values as placeholders
    assert expression == shape


def test_exists_keywords_and_an_empty_scan() -> None:
    # given existence keywords, and an empty scan
    p = Placeholders()
    # when they are translated
    expression = filter_expression(
        {"attributesExist": ["a.b", "c"], "attributesNotExist": ["d"]}, p
    )
    # then each path is a function of its own, and an empty scan has no filter at all
    assert resolved(expression or "", p) == (
        "attribute_exists(a.b) AND attribute_exists(c) AND attribute_not_exists(d)"
    )
    assert filter_expression({}, Placeholders()) is None


def test_hostile_names_and_values_stay_in_placeholders() -> None:
    # given names and values that look like expression syntax
    scan = {
        "x) OR attribute_exists(#n0": "y) OR (z",
        "total": {"comparator": "=", "value": ":v0 OR 1=1"},
    }
    p = Placeholders()
    # when they are translated
    expression = filter_expression(scan, p)
    # then they appear only in the placeholder maps
    assert expression is not None
    assert "OR 1=1" not in expression and "y) OR (z" not in expression
    assert "x) OR attribute_exists(#n0" in p.names.values()
    assert "y) OR (z" in p.values.values()


def test_a_filter_too_large_for_dynamodb_is_refused() -> None:
    # given a scan with hundreds of alternatives
    scan = {"colors": [f"c{i}" for i in range(200)]}
    # when it is translated
    # then it is refused before DynamoDB sees it
    with pytest.raises(BadInput, match="too large"):
        filter_expression(scan, Placeholders())


def test_projection_uses_placeholders_and_adds_extra_names_once() -> None:
    # given attributesToGet with a nested path, plus the key for a cursor
    p = Placeholders()
    # when it is translated
    projection = projection_expression(["worker.name", "empId"], p, extra=["empId"])
    # then it lists each path once, by placeholder
    assert resolved(projection or "", p) == "worker.name, empId"
    assert projection_expression([], Placeholders()) is None
    assert projection_expression(None, Placeholders()) is None
    with pytest.raises(BadInput):
        projection_expression("worker", Placeholders())
