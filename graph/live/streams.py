"""Subscriptions over graphql-transport-ws (and legacy graphql-ws)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

import strawberry

from graph.context import Info
from graph.errors import coded
from graph.nodes import Media, Submission
from resolvers import live
from resolvers.memo import IdentityMemo
from services.media.records import Media as MediaRecord
from services.platform import metrics
from services.platform.errors import ServiceError
from services.submissions.records import Submission as SubmissionRecord

T = TypeVar("T")

# One GraphQL object per event (not per subscriber), so identical subscriptions can share
# one execution of their selection (graph/live/executions.py).
_submission_objects: IdentityMemo[SubmissionRecord, Submission] = IdentityMemo()
_media_objects: IdentityMemo[MediaRecord, Media] = IdentityMemo()


async def guarded(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Counts running subscription streams and gives service errors their code. (Equal
    graphql-transport-ws subscriptions share one stream: transport.py counts subscriptions.)"""
    metrics.SUBSCRIPTION_STREAMS.inc()
    try:
        async for item in stream:
            yield item
    except ServiceError as error:
        raise coded(error) from error
    finally:
        metrics.SUBSCRIPTION_STREAMS.dec()


@strawberry.type
class PeopleSubscription:
    @strawberry.subscription(
        description="Status changes of one submission, or of all the caller may see."
    )
    async def submission_status_changed(
        self, info: Info, submission_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Submission, None]:
        async for record in guarded(live.submission_changes(info.context, submission_id)):
            yield _submission_objects(record, Submission.of)

    @strawberry.subscription(
        description=(
            "Status changes (PROCESSING, READY, FAILED) of one media item, or of all the "
            "caller may see: their own, a manager's team's, everything for an admin."
        )
    )
    async def media_status_changed(
        self, info: Info, media_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Media, None]:
        async for record in guarded(live.media_changes(info.context, media_id)):
            yield _media_objects(record, Media.of)
