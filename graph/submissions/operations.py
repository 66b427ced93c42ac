"""Queries, mutations and the subscription for submissions."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph.connections import Connection
from graph.context import Info
from graph.enums import ReviewDecision, SubmissionStatus
from graph.live.streams import guarded
from graph.submissions.inputs import (
    CreateSubmissionInput,
    SubmissionOrder,
    UpdateSubmissionInput,
)
from graph.submissions.types import Submission
from resolvers import live
from resolvers import submissions as resolvers
from resolvers.memo import IdentityMemo
from services.submissions import workflow
from services.submissions.records import Submission as SubmissionRecord

# One GraphQL object per event (not per subscriber), so identical subscriptions can share
# one execution of their selection (graph/live/executions.py).
_submission_objects: IdentityMemo[SubmissionRecord, Submission] = IdentityMemo()


@strawberry.type
class SubmissionQuery:
    @strawberry.field
    async def submission(self, info: Info, id: strawberry.ID) -> Submission | None:
        found = await resolvers.submission(info.context, id)
        return Submission.of(found) if found else None

    @strawberry.field(
        description="Without userId: an admin sees all, a manager their team's, a user their own."
    )
    async def submissions(
        self,
        info: Info,
        *,
        user_id: strawberry.ID | None = None,
        status: SubmissionStatus | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: SubmissionOrder | None = None,
    ) -> Connection[Submission]:
        ctx = info.context
        page = await workflow.list_submissions(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            user_id=user_id,
            status=status,
            first=first,
            after=after,
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, Submission.of)

    @strawberry.field(
        description=(
            "Submissions whose title has a word starting with each word of `query` (case and "
            "accents ignored), among those the caller may see. totalCount is null."
        )
    )
    async def search_submissions(
        self, info: Info, query: str, first: int = 20, after: str | None = None
    ) -> Connection[Submission]:
        ctx = info.context
        page = await workflow.search_submissions(
            runtime=ctx.runtime, viewer=ctx.viewer, query=query, first=first, after=after
        )
        return Connection.of(page, Submission.of)


@strawberry.type
class SubmissionMutation:
    @strawberry.mutation(description="A new DRAFT owned by the caller.")
    async def create_submission(self, info: Info, input: CreateSubmissionInput) -> Submission:
        ctx = info.context
        created = await workflow.create_submission(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            title=input.title,
            description=input.description,
            content=input.content,
        )
        return Submission.of(created)

    @strawberry.mutation
    async def update_submission(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateSubmissionInput,
        expected_version: int | None = None,
    ) -> Submission:
        ctx = info.context
        updated = await workflow.update_submission(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            submission_id=id,
            title=input.title,
            description=input.description,
            content=input.content,
            expected_version=expected_version,
        )
        return Submission.of(updated)

    @strawberry.mutation(description="DRAFT (or REJECTED) → SUBMITTED, by the owner.")
    async def submit_submission(self, info: Info, id: strawberry.ID) -> Submission:
        ctx = info.context
        return Submission.of(
            await workflow.submit_submission(
                runtime=ctx.runtime, viewer=ctx.viewer, submission_id=id
            )
        )

    @strawberry.mutation(description="By the owner's manager or an admin.")
    async def review_submission(
        self, info: Info, id: strawberry.ID, decision: ReviewDecision, note: str | None = None
    ) -> Submission:
        ctx = info.context
        return Submission.of(
            await workflow.review_submission(
                runtime=ctx.runtime,
                viewer=ctx.viewer,
                submission_id=id,
                decision=decision,
                note=note,
            )
        )


@strawberry.type
class SubmissionSubscription:
    @strawberry.subscription(
        description="Status changes of one submission, or of all the caller may see."
    )
    async def submission_status_changed(
        self, info: Info, submission_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Submission, None]:
        async for record in guarded(live.submission_changes(info.context, submission_id)):
            yield _submission_objects(record, Submission.of)
