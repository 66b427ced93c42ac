"""Subscriptions over graphql-transport-ws (and legacy graphql-ws)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from prework.graph.context import Info
from prework.graph.types.nodes import Media, Submission
from prework.resolvers import events
from prework.services import metrics
from prework.services.errors import ServiceError

T = TypeVar("T")


async def _coded(stream: AsyncIterator[T]) -> AsyncIterator[T]:
    """Service errors with their `extensions.code`: subscription results do not pass through
    the ErrorCodes extension, so a refused subscribe would otherwise arrive without a code."""
    try:
        async for item in stream:
            yield item
    except ServiceError as error:
        raise GraphQLError(
            error.message, extensions={"code": error.code, **error.details}
        ) from error


@strawberry.type
class PeopleSubscription:
    @strawberry.subscription(
        description="Status changes of one submission, or of all the caller may see."
    )
    async def submission_status_changed(
        self, info: Info, submission_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Submission, None]:
        metrics.SUBSCRIPTIONS_OPEN.inc()
        try:
            async for record in _coded(events.submission_changes(info.context, submission_id)):
                yield Submission.of(record)
        finally:
            metrics.SUBSCRIPTIONS_OPEN.dec()

    @strawberry.subscription(
        description=(
            "Status changes (PROCESSING, READY, FAILED) of one media item, or of all the "
            "caller may see: their own, a manager's team's, everything for an admin."
        )
    )
    async def media_status_changed(
        self, info: Info, media_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Media, None]:
        metrics.SUBSCRIPTIONS_OPEN.inc()
        try:
            async for record in _coded(events.media_changes(info.context, media_id)):
                yield Media.of(record)
        finally:
            metrics.SUBSCRIPTIONS_OPEN.dec()
