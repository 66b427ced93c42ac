"""Submissions and their review states."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

import graph.media.types as media_types
import graph.people.types as people_types
from graph.connections import Connection, wants_total
from graph.context import Info
from graph.enums import SubmissionStatus
from graph.stored import Node, Stored, id_field, optional_id_field, timestamp
from resolvers import media as media_resolvers
from services.submissions.records import Submission as SubmissionRecord

if TYPE_CHECKING:
    from graph.media.types import Media
    from graph.people.types import User

# Types of other capabilities, resolved when the schema is built (they refer to each other).
LazyMedia = Annotated["Media", strawberry.lazy("graph.media.types")]
LazyUser = Annotated["User", strawberry.lazy("graph.people.types")]


def _submitted_at(self: Submission) -> datetime | None:
    return timestamp(self.record.submitted_at) if self.record.submitted_at else None


def _reviewed_at(self: Submission) -> datetime | None:
    return timestamp(self.record.reviewed_at) if self.record.reviewed_at else None


@strawberry.type(description="Work a user hands in for review.")
class Submission(Node, Stored):
    id: str = id_field()
    user_id: str = id_field()
    title: str
    description: str | None
    content: str | None
    status: SubmissionStatus
    # Parsed when asked for, as `Stored`'s timestamps are (graph/stored.py).
    submitted_at: datetime | None = strawberry.field(resolver=_submitted_at)
    reviewed_at: datetime | None = strawberry.field(resolver=_reviewed_at)
    reviewer_id: str | None = optional_id_field()
    review_note: str | None
    record: strawberry.Private[SubmissionRecord]

    @classmethod
    def of(cls, r: SubmissionRecord) -> Self:
        return cls(
            id=r.submission_id,
            user_id=r.user_id,
            title=r.title,
            description=r.description,
            content=r.content,
            status=r.status,
            reviewer_id=r.reviewer_id or None,
            review_note=r.review_note,
            record=r,
        )

    @strawberry.field(graphql_type=LazyUser | None)
    def owner(self, info: Info) -> Awaitable[User | None] | None:
        return people_types.linked_user(info, self.record.user_id)

    @strawberry.field(graphql_type=LazyUser | None)
    def reviewer(self, info: Info) -> Awaitable[User | None] | None:
        return people_types.linked_user(info, self.record.reviewer_id)

    @strawberry.field(description="Files uploaded for this submission.")
    async def media(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[LazyMedia]:
        page = await media_resolvers.media_of_submission(
            info.context, self.record, first, after, count=wants_total(info)
        )
        return Connection.of(page, media_types.Media.of)


SubmissionConnection = Connection[Submission]
