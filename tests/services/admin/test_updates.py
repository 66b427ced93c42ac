"""The update language of seed 003 translated to DynamoDB UpdateExpressions (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from services.admin.paths import Placeholders, Segment, parse_path
from services.admin.updates import (
    UpdateAction,
    parent_levels,
    parents_expression,
    parse_update,
    update_expression,
)
from services.platform.errors import BadInput
from tests.services.admin.expression_checks import assert_nothing_pasted, resolved

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
