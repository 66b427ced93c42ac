"""The submission record and its review states."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.platform.folding import fold
from services.store.records import SORTS_LAST, Record


class SubmissionStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class SubmissionOrderField(StrEnum):
    """What lists of submissions sort by (the value is the sorted indexes' attribute)."""

    CREATED = "createdAt"
    UPDATED = "updatedAt"
    SUBMITTED = "submittedOrder"
    TITLE = "titleOrder"


def by_user_counter(user_id: str, status: SubmissionStatus | None = None) -> str:
    """The counter of a user's submissions in `status`, or of all of them (one key, so a
    page of people's unfiltered totals stays one key per person)."""
    return f"submissions:user:{user_id}" + (f":{status.value}" if status else "")


def by_status_counter(status: SubmissionStatus) -> str:
    """The counter of everyone's submissions in `status`."""
    return f"submissions:status:{status.value}"


@dataclass(frozen=True, kw_only=True)
class Submission(Record):
    submission_id: str
    user_id: str
    title: str
    description: str | None = None
    content: str | None = None
    status: SubmissionStatus
    submitted_at: str | None = None
    reviewed_at: str | None = None
    reviewer_id: str | None = None
    review_note: str | None = None

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["status"] = SubmissionStatus(values["status"])
        return values

    def order_attributes(self) -> dict[str, str]:
        # Drafts were never submitted: first when oldest-first, last when newest-first.
        return {
            "titleOrder": fold(self.title) or SORTS_LAST,
            "submittedOrder": self.submitted_at or "0",
        }

    def counted_in(self) -> tuple[str, ...]:
        return (
            by_user_counter(self.user_id),
            by_user_counter(self.user_id, self.status),
            by_status_counter(self.status),
        )
