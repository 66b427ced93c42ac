"""Input types of the submission mutations."""

from __future__ import annotations

import strawberry


@strawberry.input
class CreateSubmissionInput:
    title: str
    description: str | None = None
    content: str | None = None


@strawberry.input
class UpdateSubmissionInput:
    title: str | None = None
    description: str | None = None
    content: str | None = None
