"""Word-prefix search without a search cluster: a search-index table of one entry per word.

A searchable thing (a person, a submission) has entries under each scope that may find it
(`people:all`, `people:team:<managerId>`, …): partition `term` = `<scope>:<first letter>`,
sort key `entry` = `<word>#<id>`, with the thing's id, the word before this one among its
words (`prev`) and all its words (`words`). A search for "jos per" reads one partition with
`begins_with(entry, "jos")`, keeps the entry whose `prev` does not also start with "jos"
(so each thing appears once, at its first matching word) and whose `words` contain a word
starting with "per", then reads the things by id (BatchGetItem): one Query and one
BatchGetItem per page while the filter keeps most entries.

Words are folded (`services.platform.folding`): case and accents do not matter. Entries are
written in the same transaction as the record they index (`changes`), so a search never
finds a deleted or stale record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from services.platform.errors import BadInput
from services.platform.folding import words as folded_words
from services.store.dynamo import Item, collect_page, query_fetch, to_item
from services.store.ports import StoreRuntime

MAX_WORDS = 10  # per searchable thing: keeps a rewrite of its entries well inside a transaction
MAX_WORD = 40  # characters of a word that are indexed
QUERY_WORDS = 5
EntryKey = tuple[str, str]


@dataclass(frozen=True)
class Searchable:
    """What one thing puts in the index: its id, its words, the scopes that may find it."""

    target: str
    words: tuple[str, ...]
    scopes: tuple[str, ...]
    owner: str | None = None

    @classmethod
    def of(
        cls,
        target: str,
        texts: Iterable[str | None],
        scopes: Iterable[str],
        owner: str | None = None,
    ) -> Searchable:
        found: list[str] = []
        for text in texts:
            for word in folded_words(text or ""):
                if word[:MAX_WORD] not in found:
                    found.append(word[:MAX_WORD])
        return cls(target=target, words=tuple(found[:MAX_WORDS]), scopes=tuple(scopes), owner=owner)

    def entries(self) -> dict[EntryKey, dict[str, Any]]:
        ordered = sorted(set(self.words))
        text = " " + " ".join(ordered) + " "
        found: dict[EntryKey, dict[str, Any]] = {}
        for scope in self.scopes:
            for i, word in enumerate(ordered):
                key = (f"{scope}:{word[0]}", f"{word}#{self.target}")
                found[key] = {
                    "term": key[0],
                    "entry": key[1],
                    "id": self.target,
                    "prev": ordered[i - 1] if i else "",
                    "words": text,
                    "owner": self.owner,
                }
        return found


def changes(
    table: str, *, before: Searchable | None, after: Searchable | None
) -> list[dict[str, Any]]:
    """TransactWriteItems entries that turn `before`'s index entries into `after`'s: puts of
    new or changed entries, deletes of gone ones (each entry touched at most once)."""
    old = before.entries() if before else {}
    new = after.entries() if after else {}
    items: list[dict[str, Any]] = [
        {"Put": {"TableName": table, "Item": to_item(item)}}
        for key, item in new.items()
        if old.get(key) != item
    ]
    items += [
        {"Delete": {"TableName": table, "Key": to_item({"term": key[0], "entry": key[1]})}}
        for key in old
        if key not in new
    ]
    return items


def query_words(query: str) -> list[str]:
    """The folded words of a search (at least one, at most QUERY_WORDS)."""
    found = folded_words(query)[:QUERY_WORDS]
    if not found:
        raise BadInput("query needs at least one letter or digit", field="query")
    return [w[:MAX_WORD] for w in found]


@dataclass(frozen=True)
class Hits:
    ids: list[str]
    cursors: list[dict[str, Any]]  # the position after each hit
    has_next: bool


async def search(
    *,
    runtime: StoreRuntime,
    scope: str,
    words: Sequence[str],
    first: int,
    start: dict[str, Any] | None,
    only_id: str | None = None,
    owners: Sequence[str] | None = None,
) -> Hits:
    """Ids of the things in `scope` having a word that starts with each of `words`, in the
    order of their first matching word (`only_id`: just that thing, if it matches; `owners`:
    only things whose entries name one of them as `owner`)."""
    key = max(words, key=len)
    names = {"#t": "term", "#e": "entry", "#p": "prev"}
    values: dict[str, Any] = {":t": f"{scope}:{key[0]}", ":p": key}
    filters = ["NOT begins_with(#p, :p)"]
    for i, word in enumerate(w for w in words if w != key):
        names["#w"] = "words"
        values[f":w{i}"] = f" {word}"
        filters.append(f"contains(#w, :w{i})")
    if only_id is not None:
        names["#id"] = "id"
        values[":id"] = only_id
        filters.append("#id = :id")
    if owners is not None:
        names["#o"] = "owner"
        values.update({f":o{i}": o for i, o in enumerate(owners)})
        filters.append(f"#o IN ({', '.join(f':o{i}' for i in range(len(owners)))})")
    request = {
        "TableName": runtime.tables.search_index,
        "KeyConditionExpression": "#t = :t AND begins_with(#e, :p)",
        "FilterExpression": " AND ".join(filters),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_item(values),
    }
    page = await collect_page(
        fetch=query_fetch(aws=runtime.aws, request=request), limit=first, start_key=start
    )
    items: list[Item] = page.items
    return Hits(
        ids=[i["id"] for i in items],
        cursors=[{"term": i["term"], "entry": i["entry"]} for i in items],
        has_next=page.has_next,
    )
