"""Input types of the user and profile mutations."""

from __future__ import annotations

import strawberry

from graph.connections import order_of
from graph.enums import Direction, PersonOrderField, Role
from services.store.pagination import Order


@strawberry.input
class ProfileInput:
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    bio: str | None = None


@strawberry.input(description="A new user and their profile. Admins only.")
class CreateUserInput:
    email: str
    username: str
    role: Role = Role.USER
    manager_id: strawberry.ID | None = None
    profile: ProfileInput | None = None


@strawberry.input
class UpdateUserInput:
    username: str | None = None
    role: Role | None = strawberry.field(default=None, description="Admins only.")


@strawberry.input
class UpdateProfileInput(ProfileInput):
    manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only; null removes the manager."
    )


@strawberry.input(description="The order of a team or of users with one role.")
class PersonOrder:
    field: PersonOrderField
    direction: Direction = Direction.ASC

    def order(self) -> Order | None:
        return order_of(self.field, self.direction)
