"""Values kept per parsed object (graph/kept.py): found by the object itself, never by an
equal one, and bounded, the least recently used dropped first."""

from __future__ import annotations

from graphql import parse

from graph.kept import Kept

DOCUMENT = "{ __typename }"


def test_a_value_is_found_by_its_object_and_key_only() -> None:
    # given a value kept for one parsed document and key
    kept: Kept[str] = Kept(4)
    document = parse(DOCUMENT)
    kept.put(document, "first", "a")
    # when it is asked for by that document, by another key, and by an equal document
    # then only the same object and key find it
    assert kept.get(document, "a") == "first"
    assert kept.get(document, "b") is None
    assert kept.get(parse(DOCUMENT), "a") is None


def test_the_least_recently_used_is_dropped_past_the_size() -> None:
    # given room for two, and two kept
    kept: Kept[int] = Kept(2)
    first, second, third = (parse(DOCUMENT) for _ in range(3))
    kept.put(first, 1)
    kept.put(second, 2)
    # when the first is used again and a third is kept
    assert kept.get(first) == 1
    kept.put(third, 3)
    # then the second, least recently used, is gone
    assert len(kept) == 2
    assert kept.get(second) is None
    assert (kept.get(first), kept.get(third)) == (1, 3)
