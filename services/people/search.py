"""People search (`searchPeople`): name, e-mail, username, job title and department, by word
prefix, ignoring case and accents, with the lists' visibility: an admin finds everyone, a
manager their team and themself, a user themself.

A person's entries (services/store/search.py) are under `people:all`, under their own
`people:team:<userId>` and under their manager's `people:team:<managerId>`, so a manager's
search reads one partition of the index. They are written in the transaction that creates or
changes the user or profile, with the other record's version checked in it too.
"""

from __future__ import annotations

from typing import Any

from services.auth.access import Viewer
from services.people.records import Profile, User
from services.platform.errors import BadInput
from services.runtime.wiring import Runtime
from services.store import search
from services.store.dynamo import batch_get, to_item
from services.store.pagination import Slice, check_first
from services.store.records import Record

ALL = "people:all"


def team_scope(manager_id: str) -> str:
    return f"people:team:{manager_id}"


def searchable_person(user: User, profile: Profile) -> search.Searchable:
    """What finds a person, and who may find them."""
    scopes = [ALL, team_scope(user.user_id)]
    if profile.manager_id:
        scopes.append(team_scope(profile.manager_id))
    texts = [
        profile.first_name,
        profile.last_name,
        user.username,
        user.email.split("@", 1)[0],
        profile.job_title,
        profile.department,
    ]
    return search.Searchable.of(user.user_id, texts, scopes)


def index_changes(
    runtime: Runtime, *, before: tuple[User, Profile] | None, after: tuple[User, Profile]
) -> list[dict[str, Any]]:
    """The index entries to write in the transaction that turns `before` into `after`."""
    return search.changes(
        runtime.tables.search_index,
        before=searchable_person(*before) if before else None,
        after=searchable_person(*after),
    )


def unchanged(table: str, key: dict[str, Any], record: Record) -> dict[str, Any]:
    """A ConditionCheck: `record` is still at the version the index entries were made from."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": to_item(key),
            "ConditionExpression": "#version = :v",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item({":v": record.version}),
        }
    }


async def search_people(
    *, runtime: Runtime, viewer: Viewer, query: str, first: int, after: str | None
) -> Slice[User]:
    """People the caller may see whose words start with each word of `query`."""
    identity = viewer.require()
    check_first(first, maximum=runtime.settings.page_size_max)
    words = search.query_words(query)
    scope = ALL if identity.is_admin else team_scope(identity.user_id)
    only = None if identity.is_manager else identity.user_id
    cursor_scope = f"search:{scope}:{only or '*'}:{' '.join(words)}"
    start = runtime.cursors.decode(after, scope=cursor_scope)
    if start is not None and set(start) != {"term", "entry"}:
        raise BadInput("invalid cursor")
    hits = await search.search(
        runtime=runtime, scope=scope, words=words, first=first, start=start, only_id=only
    )
    items = await batch_get(
        aws=runtime.aws, table=runtime.tables.users, keys=[{"userId": i} for i in hits.ids]
    )
    users = {i["userId"]: User.from_item(i) for i in items if "profileId" in i}
    edges = [
        (users[i], runtime.cursors.encode(scope=cursor_scope, key=position))
        for i, position in zip(hits.ids, hits.cursors, strict=True)
        if i in users
    ]
    return Slice(edges=edges, has_next=hits.has_next)
