"""Per-request DataLoaders.

By-key edges (user, profile, submission and media by id, collection images) batch into
BatchGetItem, 100 keys a call. One-to-many edges (a user's submissions and collections, a
manager's team, a submission's media) run one Query per distinct parent, all issued together
in one wave with bounded concurrency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from resolvers.nodes import Node, fetch_nodes
from services.media import collections, items
from services.media.records import (
    ImageCollection,
    Media,
    MediaKind,
    MediaStatus,
    by_submission_counter,
    collections_counter,
)
from services.people import profiles, users
from services.people.records import Profile, User, team_counter
from services.runtime.wiring import Runtime
from services.store.counters import read_counts
from services.store.pagination import Order, Slice
from services.submissions import workflow
from services.submissions.records import Submission, SubmissionStatus
from services.submissions.records import by_user_counter as submission_counter

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class PageKey:
    """A one-to-many page request: parent id plus the page arguments."""

    parent: str
    first: int
    after: str | None = None
    status: SubmissionStatus | None = None
    media_kind: MediaKind | None = None
    media_status: MediaStatus | None = None
    count: bool = False  # the page's totalCount is selected: read it with the wave
    order: Order | None = None  # None: the list's default order


def by_key(
    fetch: Callable[[list[str]], Awaitable[dict[str, V]]],
) -> DataLoader[str, V | None]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await fetch(list(dict.fromkeys(keys)))
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def per_parent(
    fetch: Callable[[PageKey], Awaitable[Slice[T]]],
    *,
    concurrency: int,
    counts: Callable[[list[str]], Awaitable[None]],
    count_keys: Callable[[PageKey], tuple[str, ...]],
) -> DataLoader[PageKey, Slice[T]]:
    """One fetch per distinct parent, all started in the same wave, at most `concurrency`
    in flight (LOADER_CONCURRENCY). When the pages' totalCount is asked for (`PageKey.count`),
    the counters of every parent (`count_keys`) are read in the same wave with one `counts`
    call, so neither the requests nor the waves grow with the number of parents."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(key: PageKey) -> Slice[T]:
        async with semaphore:
            return await fetch(key)

    async def load(keys: Sequence[PageKey]) -> list[Slice[T] | BaseException]:
        wanted = list(dict.fromkeys(c for k in keys if k.count for c in count_keys(k)))
        pages = asyncio.gather(*(one(k) for k in keys), return_exceptions=True)
        if wanted:
            # Read with the pages, not after them: a failed count read fails only totalCount.
            _, found = await asyncio.gather(counts(wanted), pages, return_exceptions=True)
        else:
            found = await pages
        assert isinstance(found, list)
        return found

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    user: DataLoader[str, User | None]
    profile: DataLoader[str, Profile | None]
    submission: DataLoader[str, Submission | None]
    submissions_by_user: DataLoader[PageKey, Slice[Submission]]
    team: DataLoader[PageKey, Slice[Profile]]
    media: DataLoader[str, Media | None]
    media_by_submission: DataLoader[PageKey, Slice[Media]]
    collections_by_user: DataLoader[PageKey, Slice[ImageCollection]]
    media_by_user: DataLoader[PageKey, Slice[Media]]
    node: DataLoader[str, Node | None]
    counter: DataLoader[str, int | None]


def make_loaders(runtime: Runtime) -> Loaders:
    """Fresh loaders for one request (caches must not outlive it)."""
    concurrency = runtime.settings.loader_concurrency
    counter = by_key(
        lambda keys: read_counts(aws=runtime.aws, table=runtime.tables.counters, keys=keys)
    )

    async def counts(keys: list[str]) -> None:
        # The counts' reads prime the counter loader, so totalCount finds them there.
        found = await read_counts(aws=runtime.aws, table=runtime.tables.counters, keys=keys)
        for key, n in found.items():
            counter.prime(key, n)

    return Loaders(
        user=by_key(lambda ids: users.get_users(runtime=runtime, ids=ids)),
        profile=by_key(lambda ids: profiles.get_profiles(runtime=runtime, ids=ids)),
        submission=by_key(lambda ids: workflow.get_submissions(runtime=runtime, ids=ids)),
        submissions_by_user=per_parent(
            lambda k: workflow.by_user_page(
                runtime=runtime,
                user_id=k.parent,
                status=k.status,
                first=k.first,
                after=k.after,
                order=k.order,
            ),
            concurrency=concurrency,
            counts=counts,
            count_keys=lambda k: (submission_counter(k.parent, k.status),),
        ),
        team=per_parent(
            lambda k: profiles.team_page(
                runtime=runtime, manager_id=k.parent, first=k.first, after=k.after, order=k.order
            ),
            concurrency=concurrency,
            counts=counts,
            count_keys=lambda k: (team_counter(k.parent),),
        ),
        media=by_key(lambda ids: items.get_media(runtime=runtime, ids=ids)),
        media_by_submission=per_parent(
            lambda k: items.by_submission_page(
                runtime=runtime, submission_id=k.parent, first=k.first, after=k.after
            ),
            concurrency=concurrency,
            counts=counts,
            count_keys=lambda k: (by_submission_counter(k.parent),),
        ),
        collections_by_user=per_parent(
            lambda k: collections.by_user_page(
                runtime=runtime, user_id=k.parent, first=k.first, after=k.after, order=k.order
            ),
            concurrency=concurrency,
            counts=counts,
            count_keys=lambda k: (collections_counter(k.parent),),
        ),
        media_by_user=per_parent(
            lambda k: items.by_user_page(
                runtime=runtime,
                user_id=k.parent,
                kind=k.media_kind,
                status=k.media_status,
                first=k.first,
                after=k.after,
                order=k.order,
            ),
            concurrency=concurrency,
            counts=counts,
            count_keys=lambda k: items.by_user_count_keys(k.parent, k.media_kind, k.media_status),
        ),
        node=by_key(lambda ids: fetch_nodes(runtime, ids)),
        counter=counter,
    )
