"""Submissions: drafts a user hands in, reviewed by their manager or an admin. Other
capabilities in services/ use submissions only through what this module declares (an
import-linter contract); graph/ and resolvers/ may use its modules."""

from services.submissions.records import Submission, SubmissionStatus
from services.submissions.workflow import (
    create_submission,
    get_submissions,
    searchable_submission,
)

__all__ = [
    "Submission",
    "SubmissionStatus",
    "create_submission",
    "get_submissions",
    "searchable_submission",
]
