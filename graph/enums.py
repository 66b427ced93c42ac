"""The services' enums, registered with Strawberry once, with their descriptions.

`strawberry.enum` marks the class in place. A type or input that used one of these enums
before its registration would register it again without a description (a duplicate type),
so every GraphQL module takes its enums from here.
"""

from __future__ import annotations

import strawberry

from services.auth.identity import Role
from services.media.records import MediaKind, MediaStatus, ThumbnailFormat
from services.submissions.records import SubmissionStatus
from services.submissions.workflow import ReviewDecision

__all__ = [
    "MediaKind",
    "MediaStatus",
    "ReviewDecision",
    "Role",
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
