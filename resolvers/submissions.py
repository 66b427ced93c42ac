"""Reads of submissions through the request's loaders: by id, and a person's page."""

from __future__ import annotations

from collections.abc import Awaitable

from resolvers.context import RequestContext
from resolvers.loaders import PageKey
from services.people.records import User
from services.store.pagination import Order, Slice, check_first
from services.submissions.records import Submission, SubmissionStatus


async def submission(ctx: RequestContext, submission_id: str) -> Submission | None:
    ctx.viewer.require()
    found = await ctx.loaders.submission.load(submission_id)
    if found is not None:
        await ctx.viewer.check_owned(found.user_id, what="this submission")
    return found


def submissions_of(
    ctx: RequestContext,
    person: User,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
    *,
    count: bool = False,
    order: Order | None = None,
) -> Awaitable[Slice[Submission]]:
    """A person's page: the loader's future itself when the caller may read it at once (an
    admin, the owner), else after the manager check's load."""
    key = PageKey(
        parent=person.user_id, first=first, after=after, status=status, count=count, order=order
    )
    if ctx.viewer.reads_owned_at_once(person.user_id):
        return _page(ctx, key)
    return _checked_page(ctx, key)


def _page(ctx: RequestContext, key: PageKey) -> Awaitable[Slice[Submission]]:
    check_first(key.first, maximum=ctx.runtime.settings.page_size_max)
    return ctx.loaders.submissions_by_user.load(key)


async def _checked_page(ctx: RequestContext, key: PageKey) -> Slice[Submission]:
    await ctx.viewer.check_owned(key.parent, what="these submissions")
    return await _page(ctx, key)
