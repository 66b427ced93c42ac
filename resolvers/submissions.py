"""Resolvers for submissions."""

from __future__ import annotations

from resolvers.context import RequestContext
from services.store.pagination import Slice
from services.submissions import workflow
from services.submissions.records import Submission, SubmissionStatus


async def submission(ctx: RequestContext, submission_id: str) -> Submission | None:
    ctx.viewer.require()
    found = await ctx.loaders.submission.load(submission_id)
    if found is not None:
        await ctx.viewer.check_owned(found.user_id, what="this submission")
    return found


async def submission_list(
    ctx: RequestContext,
    user_id: str | None,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
) -> Slice[Submission]:
    return await workflow.list_submissions(
        runtime=ctx.runtime,
        viewer=ctx.viewer,
        user_id=user_id,
        status=status,
        first=first,
        after=after,
    )
