"""Subscription streams: authorized at subscribe time and again for every event."""

from __future__ import annotations

from collections.abc import AsyncIterator

from prework.resolvers.context import RequestContext
from prework.resolvers.loaders import make_loaders
from prework.services import media, submissions, validation
from prework.services.access import Viewer
from prework.services.errors import NotFound
from prework.services.records import Media, Submission


def event_viewer(ctx: RequestContext) -> Viewer:
    """A viewer with fresh loaders: team membership may change while a subscription lives."""
    loaders = make_loaders(ctx.services)
    return Viewer(identity=ctx.viewer.require(), load_user=loaders.user.load)


async def submission_changes(
    ctx: RequestContext, submission_id: str | None
) -> AsyncIterator[Submission]:
    ctx.viewer.require()
    if submission_id is not None:
        found = await ctx.loaders.submission.load(submission_id)
        if found is None:
            raise NotFound("no submission with this id")
        await ctx.viewer.check_owned(found.user_id, what="this submission")
    async for event in ctx.services.events.subscribe(submissions.CHANNEL):
        record = Submission.from_item(event)
        if submission_id is not None and record.submission_id != submission_id:
            continue
        if await event_viewer(ctx).can_read_owned(record.user_id):
            yield record


async def media_changes(ctx: RequestContext, media_id: str | None) -> AsyncIterator[Media]:
    """Status changes of one media item, or of all the caller may see."""
    ctx.viewer.require()
    if media_id is not None:
        found = await ctx.loaders.media.load(validation.identifier(media_id))
        if found is None:
            raise NotFound("no media with this id")
        await ctx.viewer.check_owned(found.user_id, what="this media")
    async for event in ctx.services.events.subscribe(media.CHANNEL):
        record = Media.from_item(event)
        if media_id is not None and record.media_id != media_id:
            continue
        if await event_viewer(ctx).can_read_owned(record.user_id):
            yield record
