"""The services' enums, registered with Strawberry once, with their descriptions.

`strawberry.enum` marks the class in place. A type or input that used one of these enums
before its registration would register it again without a description (a duplicate type),
so every GraphQL module takes its enums from here.
"""

from __future__ import annotations

import strawberry

from services.auth.identity import Role
from services.media.records import (
    CollectionOrderField,
    MediaKind,
    MediaOrderField,
    MediaStatus,
    ThumbnailFormat,
)
from services.people.records import PersonOrderField
from services.store.pagination import Direction
from services.submissions.records import SubmissionOrderField, SubmissionStatus
from services.submissions.workflow import ReviewDecision

__all__ = [
    "CollectionOrderField",
    "Direction",
    "MediaKind",
    "MediaOrderField",
    "MediaStatus",
    "PersonOrderField",
    "ReviewDecision",
    "Role",
    "SubmissionOrderField",
    "SubmissionStatus",
    "ThumbnailFormat",
]

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
    ThumbnailFormat,
    name="ThumbnailFormat",
    description="Encoding of a thumbnail: JPEG everywhere, WEBP and AVIF smaller.",
)
strawberry.enum(
    ReviewDecision,
    name="ReviewDecision",
    description=(
        "START_REVIEW: SUBMITTED → IN_REVIEW; "
        "APPROVE/REJECT: SUBMITTED or IN_REVIEW → APPROVED/REJECTED."
    ),
)
strawberry.enum(Direction, name="OrderDirection", description="ASC: oldest or A first.")
strawberry.enum(
    SubmissionOrderField,
    name="SubmissionOrderField",
    description="CREATED, UPDATED, SUBMITTED (drafts count as never), TITLE (ignoring case).",
)
strawberry.enum(MediaOrderField, name="MediaOrderField", description="When it was requested.")
strawberry.enum(
    CollectionOrderField,
    name="CollectionOrderField",
    description="UPDATED: last changed; NAME: ignoring case and accents.",
)
strawberry.enum(
    PersonOrderField,
    name="PersonOrderField",
    description=(
        "NAME: a team by family then given name, users by username (ignoring case and "
        "accents); CREATED: when they were added."
    ),
)
