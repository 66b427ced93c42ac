"""Attribute paths and placeholders shared by the scan and update languages (pure)."""

from __future__ import annotations

import pytest

from services.admin.paths import Placeholders, Segment, parse_path
from services.platform.errors import BadInput


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
