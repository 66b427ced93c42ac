"""Resolvers for media and image collections: thin calls into services via loaders."""

from __future__ import annotations

from resolvers.context import RequestContext
from resolvers.loaders import PageKey
from services.media import collections, items, pipeline
from services.media.records import ImageCollection, Media, MediaKind
from services.people.records import User
from services.platform import validation
from services.platform.errors import Forbidden
from services.store.pagination import Slice, check_first
from services.submissions.records import Submission


async def media_item(ctx: RequestContext, media_id: str) -> Media | None:
    ctx.viewer.require()
    found = await ctx.loaders.media.load(validation.identifier(media_id))
    if found is not None:
        await ctx.viewer.check_owned(found.user_id, what="this media")
    return found


async def request_upload(
    ctx: RequestContext,
    *,
    filename: str,
    content_type: str,
    size: int,
    kind: MediaKind,
    submission_id: str | None,
) -> items.UploadTicket:
    return await items.request_upload(
        runtime=ctx.runtime,
        viewer=ctx.viewer,
        filename=filename,
        content_type=content_type,
        size=size,
        kind=kind,
        submission_id=submission_id,
    )


async def complete_upload(ctx: RequestContext, media_id: str) -> Media:
    return await pipeline.complete_upload(runtime=ctx.runtime, viewer=ctx.viewer, media_id=media_id)


async def delete_media(ctx: RequestContext, media_id: str) -> bool:
    return await items.delete_media(runtime=ctx.runtime, viewer=ctx.viewer, media_id=media_id)


async def url_of(ctx: RequestContext, item: Media) -> str | None:
    return await items.download_url(runtime=ctx.runtime, media=item)


async def thumbnail_url_of(ctx: RequestContext, item: Media, width: int) -> str | None:
    return await items.thumbnail_url(runtime=ctx.runtime, media=item, width=width)


async def submission_of(ctx: RequestContext, item: Media) -> Submission | None:
    if item.submission_id is None:
        return None
    return await ctx.loaders.submission.load(item.submission_id)


async def media_of_submission(
    ctx: RequestContext, submission: Submission, first: int, after: str | None
) -> Slice[Media]:
    await ctx.viewer.check_owned(submission.user_id, what="this submission's media")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=submission.submission_id, first=first, after=after)
    return await ctx.loaders.media_by_submission.load(key)


async def collection(ctx: RequestContext, collection_id: str) -> ImageCollection | None:
    return await collections.get_readable(
        runtime=ctx.runtime, viewer=ctx.viewer, collection_id=collection_id
    )


async def collections_of(
    ctx: RequestContext, person: User, first: int, after: str | None
) -> Slice[ImageCollection]:
    if not await ctx.viewer.can_read_owned(person.user_id):
        raise Forbidden("you may not access these image collections")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=person.user_id, first=first, after=after)
    return await ctx.loaders.collections_by_user.load(key)


async def images_of(ctx: RequestContext, item: ImageCollection) -> list[Media]:
    """The collection's images in order (one BatchGetItem per 100 ids across the request);
    images deleted since they were added are left out."""
    found = await ctx.loaders.media.load_many(item.media_ids)
    return [m for m in found if m is not None]
