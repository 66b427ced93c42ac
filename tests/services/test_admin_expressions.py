"""The scan and update languages of seed 003 translated to DynamoDB expressions (pure)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from services.admin.expressions import (
    Placeholders,
    Segment,
    UpdateAction,
    filter_expression,
    parent_levels,
    parents_expression,
    parse_path,
    parse_update,
    projection_expression,
    to_wire,
    update_expression,
)
from services.platform import exactjson
from services.platform.errors import BadInput

SEED_SCAN = {
    "worker.empGroupIds": [["-989357139129.0"], ["-988766726027.0"]],
    "training.status": ["completed", "timelimitmet"],
    "training.isActive": "1",
    "attributesNotExist": ["training.timeOfCompletion"],
    "dueDays": {"comparator": "<=", "value": "10"},
}
SEED_UPDATE = {
    "set": {"training.status": "timelimitmet"},
    "add": {"training.timeInTraining": 180000},
    "setListAppend": {
        "training.taskSids": [
            "WT1e33bd86f2b02bd941b07460e3a984e6",
            "WT23f871f71f44752a3f14ea3e9349e253",
        ]
    },
}
STAMP = {"lastUpdatedBy": "doe, jane", "lastUpdatedDateTime": "2026-11-21T10:00:00.000Z"}


def resolved(expression: str, placeholders: Placeholders) -> str:
    """The expression with name placeholders spelled out (values stay placeholders)."""
    for placeholder, name in sorted(placeholders.names.items(), key=lambda kv: -len(kv[0])):
        expression = expression.replace(placeholder, name)
    return expression


def user_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *user_strings(v)]]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in user_strings(v)]
    return []


def assert_nothing_pasted(expression: str, payload: Any) -> None:
    for text in user_strings(payload):
        for part in text.split("."):
            if len(part) > 2:
                assert part not in expression, (part, expression)


# Paths -----------------------------------------------------------------------------------


def test_dotted_paths_become_segments_with_indexes() -> None:
    # given a nested path with a list index
    # when it is parsed
    segments = parse_path("worker.tasks[2].sid")
    # then every level is a segment, the index kept apart from the name
    assert segments == (Segment("worker"), Segment("tasks", (2,)), Segment("sid"))


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a.", "a[x]", "a[1", "a]", 5, None])
def test_malformed_paths_are_bad_input(bad: object) -> None:
    # given a malformed attribute path
    # when it is parsed
    # then it is refused as bad input
    with pytest.raises(BadInput):
        parse_path(bad)


def test_paths_deeper_than_dynamodb_allows_are_refused() -> None:
    # given a path 33 levels deep
    # when it is parsed
    # then it is refused
    with pytest.raises(BadInput, match="deeper"):
        parse_path(".".join(["a"] * 33))


def test_placeholders_are_reused_per_name_and_fresh_per_value() -> None:
    # given two paths sharing a name and two values
    p = Placeholders()
    # when they are placed
    first, second = p.path("training.status"), p.path("training.isActive")
    values = [p.value("x"), p.value("x")]
    # then the shared name has one placeholder and every value its own
    assert first == "#n0.#n1" and second == "#n0.#n2"
    assert values == [":v0", ":v1"]
    assert p.names == {"#n0": "training", "#n1": "status", "#n2": "isActive"}


# Scan ------------------------------------------------------------------------------------


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


# Update ----------------------------------------------------------------------------------


def test_seed_example_update_parses_in_payload_order() -> None:
    # given the seed's update payload
    # when it is parsed
    actions = parse_update(SEED_UPDATE, key_names=["empId"])
    # then there is one action per key, in order, with dotted paths split
    assert [a.kind for a in actions] == ["set", "add", "setListAppend"]
    assert actions[1].entries == (((Segment("training"), Segment("timeInTraining")), 180000),)


def test_seed_example_update_expressions() -> None:
    # given the seed's update payload, parsed
    actions = parse_update(SEED_UPDATE, key_names=["empId"])
    expressions = []
    for action in actions:
        p = Placeholders()
        # when each action is translated
        expression = update_expression(action, p, stamp=STAMP)
        expressions.append(resolved(expression, p))
        # then nothing of the payload is pasted into the expression
        assert_nothing_pasted(expression, SEED_UPDATE)
        assert "doe, jane" not in expression
    # and each does its job and stamps who changed the item
    assert expressions[0].startswith("SET training.status = :v0")
    added = "training.timeInTraining = if_not_exists(training.timeInTraining, :v0) + :v1"
    appended = "training.taskSids = list_append(if_not_exists(training.taskSids, :v0), :v1)"
    assert expressions[1].startswith(f"SET {added}, ")
    assert expressions[2].startswith(f"SET {appended}, ")
    for expression in expressions:
        assert "lastUpdatedBy = :v" in expression and "lastUpdatedDateTime = :v" in expression


def test_remove_add_delete_each_alone() -> None:
    # given one action of each remaining kind
    payload = {
        "remove": ["training.note", "colors[1]"],
        "add": {"tags": ["a", "b"]},
        "delete": {"tags": "a"},
    }
    actions = parse_update(payload, key_names=["empId"])
    translated = []
    for action in actions:
        p = Placeholders()
        # when each is translated
        translated.append((resolved(update_expression(action, p, stamp=STAMP), p), p))
    # then remove removes (list index kept), add of an array is a set ADD, delete a set DELETE
    (remove, _), (add, add_values), (delete, delete_values) = translated
    stamp = "SET lastUpdatedBy = :v0, lastUpdatedDateTime = :v1"
    assert remove == f"{stamp} REMOVE training.note, colors[1]"
    assert add == "SET lastUpdatedBy = :v1, lastUpdatedDateTime = :v2 ADD tags :v0"
    assert add_values.values[":v0"] == {"a", "b"}
    assert delete == "SET lastUpdatedBy = :v1, lastUpdatedDateTime = :v2 DELETE tags :v0"
    assert delete_values.values[":v0"] == {"a"}


def test_remove_also_takes_an_object_of_paths() -> None:
    # given remove as an object (the seed shows objects for every action)
    # when it is parsed
    actions = parse_update({"remove": {"a.b": True, "c": None}}, key_names=["id"])
    # then its keys are the paths to remove
    assert [e[0] for e in actions[0].entries] == [(Segment("a"), Segment("b")), (Segment("c"),)]


def test_stamp_is_left_out_when_the_action_touches_it() -> None:
    # given a set of lastUpdatedBy itself
    action = parse_update({"set": {"lastUpdatedBy": "someone"}}, key_names=["id"])[0]
    p = Placeholders()
    # when it is translated
    expression = resolved(update_expression(action, p, stamp=STAMP), p)
    # then the path appears once (DynamoDB refuses overlapping paths)
    assert expression.count("lastUpdatedBy") == 1
    assert "lastUpdatedDateTime" in expression


def test_empty_actions_are_skipped_but_an_empty_update_is_refused() -> None:
    # given the seed's template with only set filled, and one with nothing at all
    template = {"set": {"a": 1}, "remove": {}, "add": {}, "delete": {}, "setListAppend": {}}
    # when they are parsed
    actions = parse_update(template, key_names=["id"])
    # then empty actions do nothing, and an update of only empty actions is bad input
    assert [a.kind for a in actions] == ["set"]
    with pytest.raises(BadInput, match="empty"):
        parse_update({"set": {}, "remove": []}, key_names=["id"])
    with pytest.raises(BadInput, match="empty"):
        parse_update({}, key_names=["id"])


@pytest.mark.parametrize(
    "payload",
    [
        {"sett": {"a": 1}},
        {"set": ["a"]},
        {"set": {"id": "other"}},
        {"remove": {"id": True}},
        {"set": {"": 1}},
        {"add": {"n": "five"}},
        {"add": {"n": [1, "a"]}},
        {"add": {"n": True}},
        {"delete": {"tags": [{"a": 1}]}},
        {"delete": {"tags": []}},
        {"remove": "a"},
        "set",
    ],
)
def test_malformed_updates_are_bad_input(payload: Any) -> None:
    # given a malformed update
    # when it is parsed
    # then it is refused before anything is written
    with pytest.raises(BadInput):
        parse_update(payload, key_names=["id"])


def test_set_list_append_wraps_a_single_value() -> None:
    # given setListAppend with one value rather than an array
    # when it is parsed
    action = parse_update({"setListAppend": {"sids": "WT1"}}, key_names=["id"])[0]
    # then the value is appended as a one-element list
    assert action.entries[0][1] == ["WT1"]


def test_parent_levels_of_nested_paths() -> None:
    # given a set of deep paths sharing parents, one below a list index
    action = UpdateAction(
        "set",
        (
            (parse_path("a.b.c"), 1),
            (parse_path("a.d"), 2),
            (parse_path("l[0].x.y"), 3),
        ),
    )
    # when the parents are listed
    levels = parent_levels(action)
    # then shallowest first, each once, never creating lists
    assert levels == [[parse_path("a")], [parse_path("a.b")]]
    p = Placeholders()
    assert resolved(parents_expression(levels[0], p), p) == "SET a = if_not_exists(a, :v0)"
    assert p.values[":v0"] == {}
    assert parent_levels(UpdateAction("remove", ((parse_path("a.b"), None),))) == []


# Values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0.1", "1e-7", "12345678901234567890.123", "-0.5", "1E+3"])
def test_numbers_reach_dynamodb_with_their_exact_digits(text: str) -> None:
    # given a number as JSON text
    value = exactjson.loads(text)
    # when it is put in DynamoDB form
    wire = to_wire(value)
    # then its digits are exactly the ones sent
    assert Decimal(wire["N"]) == Decimal(text)
    assert isinstance(value, Decimal | int)


def test_a_number_dynamodb_cannot_hold_exactly_is_bad_input() -> None:
    # given a number with 39 significant digits
    # when it is put in DynamoDB form
    # then it is refused rather than rounded
    with pytest.raises(BadInput, match="38 significant digits"):
        to_wire(Decimal("1.23456789012345678901234567890123456789"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.1"), "0.1"),
        (Decimal("1E-7"), "1E-7"),
        (Decimal("12345678901234567890.123"), "12345678901234567890.123"),
        (Decimal("180000"), "180000"),
        (Decimal("1E+3"), "1000"),
        (2**70, str(2**70)),
    ],
)
def test_json_output_keeps_exact_digits(value: Any, text: str) -> None:
    # given an exact number inside a document
    # when it is written as JSON
    out = exactjson.dumps({"n": value})
    # then the JSON number has exactly those digits and parses back to the same value
    assert out == b'{"n":' + text.encode() + b"}"
    assert json.loads(out, parse_float=Decimal)["n"] == value


def test_graphql_numbers_remember_their_text() -> None:
    # given GraphQL variables with fractions
    variables = exactjson.loads_graphql('{"big": 12345678901234567890.123, "tiny": 1e-7}')
    # when they are made exact
    exact = exactjson.exact(variables)
    # then they are still floats for GraphQL, and exact Decimals for DynamoDB
    assert isinstance(variables["big"], float)
    assert exact == {"big": Decimal("12345678901234567890.123"), "tiny": Decimal("1e-7")}
    assert exactjson.exact(0.1) == Decimal("0.1")


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{", "[" * 100_000])
def test_invalid_json_is_a_value_error(text: str) -> None:
    # given invalid JSON (or JSON nested beyond reason)
    # when it is parsed
    # then it is a ValueError the REST layer maps to 400
    with pytest.raises(ValueError):
        exactjson.loads(text)
