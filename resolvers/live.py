"""Subscription streams: authorized at subscribe time and again for every event."""

from __future__ import annotations

from collections.abc import AsyncIterator

from resolvers.context import RequestContext
from resolvers.loaders import make_loaders
from resolvers.memo import IdentityMemo
from services.auth.access import Viewer
from services.media import items
from services.media.records import Media
from services.people.viewers import viewer_for
from services.platform import validation
from services.platform.errors import NotFound
from services.submissions import workflow
from services.submissions.records import Submission

_submissions: IdentityMemo[dict[str, object], Submission] = IdentityMemo()
_media: IdentityMemo[dict[str, object], Media] = IdentityMemo()


def event_viewer(ctx: RequestContext) -> Viewer:
    """A viewer with fresh loaders: team membership may change while a subscription lives."""
    loaders = make_loaders(ctx.runtime)
    return viewer_for(
        runtime=ctx.runtime, identity=ctx.viewer.require(), load_user=loaders.user.load
    )


async def may_see(ctx: RequestContext, owner_id: str) -> bool:
    """Per-event check. Admins and owners are decided from the token alone (no reads: this
    runs once per subscriber per event); only a manager's team membership is looked up."""
    identity = ctx.viewer.require()
    if identity.is_admin or owner_id == identity.user_id:
        return True
    if not identity.is_manager:
        return False
    return await event_viewer(ctx).manages(owner_id)


async def submission_changes(
    ctx: RequestContext, submission_id: str | None
) -> AsyncIterator[Submission]:
    ctx.viewer.require()
    if submission_id is not None:
        found = await ctx.loaders.submission.load(submission_id)
        if found is None:
            raise NotFound("no submission with this id")
        await ctx.viewer.check_owned(found.user_id, what="this submission")
    async for event in ctx.runtime.events.subscribe(workflow.CHANNEL):
        if submission_id is not None and event.get("submissionId") != submission_id:
            continue
        if await may_see(ctx, str(event.get("userId"))):
            yield _submissions(event, Submission.from_item)


async def media_changes(ctx: RequestContext, media_id: str | None) -> AsyncIterator[Media]:
    """Status changes of one media item, or of all the caller may see."""
    ctx.viewer.require()
    if media_id is not None:
        found = await ctx.loaders.media.load(validation.identifier(media_id))
        if found is None:
            raise NotFound("no media with this id")
        await ctx.viewer.check_owned(found.user_id, what="this media")
    async for event in ctx.runtime.events.subscribe(items.CHANNEL):
        if media_id is not None and event.get("mediaId") != media_id:
            continue
        if await may_see(ctx, str(event.get("userId"))):
            yield _media(event, Media.from_item)
