"""Shared GraphQL building blocks: Relay connections, page info, enums and scalars."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from services.auth.identity import Role
from services.media.records import MediaKind, MediaStatus
from services.store.pagination import Slice
from services.submissions.records import SubmissionStatus
from services.submissions.workflow import ReviewDecision

__all__ = [
    "Connection",
    "Edge",
    "MediaKind",
    "MediaStatus",
    "PageInfo",
    "ReviewDecision",
    "Role",
    "SubmissionStatus",
]

# The services' enums, registered with Strawberry (strawberry.enum marks the class in place).
strawberry.enum(Role, name="Role", description="What a person may do.")
strawberry.enum(
    SubmissionStatus, name="SubmissionStatus", description="Where a submission is in review."
)
strawberry.enum(
    MediaKind, name="MediaKind", description="IMAGE gets thumbnails; DOCUMENT (PDF) does not."
)
strawberry.enum(
    MediaStatus,
    name="MediaStatus",
    description="PENDING_UPLOAD → PROCESSING → READY or FAILED (with failureReason).",
)
strawberry.enum(
    ReviewDecision,
    name="ReviewDecision",
    description=(
        "START_REVIEW: SUBMITTED → IN_REVIEW; "
        "APPROVE/REJECT: SUBMITTED or IN_REVIEW → APPROVED/REJECTED."
    ),
)

N = TypeVar("N")
R = TypeVar("R")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Slice[R], node: Callable[[R], N]) -> Connection[N]:
        edges = [Edge(cursor=cursor, node=node(record)) for record, cursor in page.edges]
        info = PageInfo(
            has_next_page=page.has_next,
            end_cursor=page.end_cursor,
            start_cursor=edges[0].cursor if edges else None,
        )
        return cls(edges=edges, page_info=info)


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)
