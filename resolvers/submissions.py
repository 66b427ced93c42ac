"""Reads of submissions through the request's loaders: by id, and a person's page."""

from __future__ import annotations

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


async def submissions_of(
    ctx: RequestContext,
    person: User,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
    *,
    count: bool = False,
    order: Order | None = None,
) -> Slice[Submission]:
    await ctx.viewer.check_owned(person.user_id, what="these submissions")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(
        parent=person.user_id, first=first, after=after, status=status, count=count, order=order
    )
    return await ctx.loaders.submissions_by_user.load(key)
