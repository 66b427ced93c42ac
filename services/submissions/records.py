"""The submission record and its review states."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.store.records import Record


class SubmissionStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


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
