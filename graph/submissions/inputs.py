"""Input types of the submission mutations."""

from __future__ import annotations

import strawberry

from graph.connections import order_of
from graph.enums import Direction, SubmissionOrderField
from services.store.pagination import Order


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


@strawberry.input(description="The order of one person's submissions (newest first by default).")
class SubmissionOrder:
    field: SubmissionOrderField
    direction: Direction = Direction.DESC

    def order(self) -> Order | None:
        return order_of(self.field, self.direction)
