"""Offline-sync helpers: a phone's copy of what it may see, kept current with `changes`, and
the fresh read it must equal (every id the test knows of, through `nodes`)."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Api

# What the copy keeps of each object: enough that any change shows (every change bumps version).
SYNCED = "__typename id ... on Stored { version }"
CHANGES = f"""
query Changes($since: String, $first: Int) {{
  changes(since: $since, first: $first) {{
    upserts {{ {SYNCED} }}
    tombstones {{ id type }}
    token hasMore
  }}
}}
"""
NODES = f"query Nodes($ids: [ID!]!) {{ nodes(ids: $ids) {{ {SYNCED} }} }}"

Copy = dict[str, dict[str, Any]]


def start_token(api: Api, token: str) -> str:
    """The token of now (taken before the full read it goes with)."""
    page = api.data(CHANGES, {"since": None}, token=token)["changes"]
    assert page["upserts"] == [] and page["tombstones"] == [] and not page["hasMore"]
    return str(page["token"])


def fresh_read(api: Api, token: str, ids: set[str]) -> Copy:
    """Every object among `ids` the viewer may read now, as the copy keeps it."""
    found: Copy = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 100):
        body = api.run(NODES, {"ids": ordered[start : start + 100]}, token=token)
        for node in body["data"]["nodes"]:
            if node is not None:
                found[node["id"]] = node
    return found


def replay(
    api: Api, token: str, copy: Copy, since: str, *, first: int = 50, max_pages: int = 200
) -> tuple[str, list[dict[str, Any]]]:
    """Apply every page of changes since `since` to `copy`: the last token, and the pages."""
    pages = []
    for _ in range(max_pages):
        page = api.data(CHANGES, {"since": since, "first": first}, token=token)["changes"]
        pages.append(page)
        for node in page["upserts"]:
            copy[node["id"]] = node
        for gone in page["tombstones"]:
            copy.pop(gone["id"], None)
        since = page["token"]
        if not page["hasMore"]:
            return since, pages
    raise AssertionError(f"changes still had more after {max_pages} pages")
