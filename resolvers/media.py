"""Reads of media and image collections through the request's loaders: by id, a
submission's media, a person's collections and a collection's images."""

from __future__ import annotations

from resolvers.context import RequestContext
from resolvers.loaders import PageKey
from services.media.records import ImageCollection, Media, MediaKind, MediaStatus
from services.people.records import User
from services.platform import validation
from services.platform.errors import Forbidden
from services.store.pagination import Order, Slice, check_first
from services.submissions.records import Submission


async def media_item(ctx: RequestContext, media_id: str) -> Media | None:
    ctx.viewer.require()
    found = await ctx.loaders.media.load(validation.identifier(media_id))
    if found is not None:
        await ctx.viewer.check_owned(found.user_id, what="this media")
    return found


async def submission_of(ctx: RequestContext, item: Media) -> Submission | None:
    if item.submission_id is None:
        return None
    return await ctx.loaders.submission.load(item.submission_id)


async def media_of_submission(
    ctx: RequestContext,
    submission: Submission,
    first: int,
    after: str | None,
    *,
    count: bool = False,
) -> Slice[Media]:
    await ctx.viewer.check_owned(submission.user_id, what="this submission's media")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=submission.submission_id, first=first, after=after, count=count)
    return await ctx.loaders.media_by_submission.load(key)


async def collections_of(
    ctx: RequestContext,
    person: User,
    first: int,
    after: str | None,
    *,
    count: bool = False,
    order: Order | None = None,
) -> Slice[ImageCollection]:
    if not await ctx.viewer.can_read_owned(person.user_id):
        raise Forbidden("you may not access these image collections")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=person.user_id, first=first, after=after, count=count, order=order)
    return await ctx.loaders.collections_by_user.load(key)


async def media_of_user(
    ctx: RequestContext,
    person: User,
    *,
    kind: MediaKind | None,
    status: MediaStatus | None,
    first: int,
    after: str | None,
    count: bool = False,
    order: Order | None = None,
) -> Slice[Media]:
    """A person's uploads: the person, their manager or an admin."""
    await ctx.viewer.check_owned(person.user_id, what="these uploads")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(
        parent=person.user_id,
        first=first,
        after=after,
        media_kind=kind,
        media_status=status,
        count=count,
        order=order,
    )
    return await ctx.loaders.media_by_user.load(key)


async def images_of(ctx: RequestContext, item: ImageCollection) -> list[Media]:
    """The collection's images in order (one BatchGetItem per 100 ids across the request);
    images deleted since they were added are left out."""
    found = await ctx.loaders.media.load_many(item.media_ids)
    return [m for m in found if m is not None]
