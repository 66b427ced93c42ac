"""Users and profiles, and the linked-person field every other type uses (owner, manager,
reviewer)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Optional, Self

import strawberry

# The object types refer to each other across capabilities (a user's submissions, a
# submission's owner); module imports keep those references cycle-safe at import time.
import graph.media.types as media_types
import graph.submissions.types as submission_types
from graph.connections import Connection, wants_total
from graph.context import Info
from graph.enums import MediaKind, MediaStatus, Role, SubmissionStatus
from graph.media.inputs import CollectionOrder, MediaOrder
from graph.people.inputs import PersonOrder
from graph.stored import Node, Stored, id_field, optional_id_field
from graph.submissions.inputs import SubmissionOrder
from resolvers import media as media_resolvers
from resolvers import people as people_resolvers
from resolvers import submissions as submission_resolvers
from resolvers.futures import then
from services.people.records import Profile as ProfileRecord
from services.people.records import User as UserRecord
from services.store.pagination import Slice
from services.submissions.records import Submission as SubmissionRecord

if TYPE_CHECKING:
    from graph.media.types import ImageCollection, Media
    from graph.submissions.types import Submission

# Types of other capabilities, resolved when the schema is built (they refer to each other).
# Argument types are imported directly instead: Strawberry resolves a lazy argument type on
# every call of the field (an import lookup and two stat calls), 20 times per page of users.
LazyImageCollection = Annotated["ImageCollection", strawberry.lazy("graph.media.types")]
LazyMedia = Annotated["Media", strawberry.lazy("graph.media.types")]
LazySubmission = Annotated["Submission", strawberry.lazy("graph.submissions.types")]


def linked_user(info: Info, user_id: str | None) -> Awaitable[User | None] | None:
    """A linked person (owner, manager, reviewer) through the request's user loader: its
    future, shaped when it lands (resolvers/futures.py); None at once when there is no link."""
    if not user_id:
        return None
    return then(people_resolvers.user_of(info.context, user_id), _user_of)


@strawberry.type(description="A person who can sign in.")
class User(Node, Stored):
    id: str = id_field()
    email: str
    username: str
    role: Role
    is_active: bool
    record: strawberry.Private[UserRecord]

    @classmethod
    def of(cls, r: UserRecord) -> Self:
        return cls(
            id=r.user_id,
            email=r.email,
            username=r.username,
            role=r.role,
            is_active=r.is_active,
            record=r,
        )

    @strawberry.field(graphql_type=Optional["Profile"])
    def profile(self, info: Info) -> Awaitable[Profile | None]:
        return then(people_resolvers.profile_of(info.context, self.record), _profile_of)

    @strawberry.field(
        description="This person's submissions (owner, their manager or an admin).",
        graphql_type=Connection[LazySubmission] | None,
    )
    def submissions(
        self,
        info: Info,
        status: SubmissionStatus | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: SubmissionOrder | None = None,
    ) -> Awaitable[Connection[Submission]]:
        page = submission_resolvers.submissions_of(
            info.context,
            self.record,
            status,
            first,
            after,
            count=wants_total(info),
            order=order_by.order() if order_by else None,
        )
        return then(page, _submissions)

    @strawberry.field(
        description="Profiles whose manager is this person (the manager or an admin)."
    )
    async def team(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        order_by: PersonOrder | None = None,
    ) -> Connection[Profile] | None:
        page = await people_resolvers.team_of(
            info.context,
            self.record,
            first,
            after,
            count=wants_total(info),
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, Profile.of)

    @strawberry.field(description="This person's uploads (owner, their manager or an admin).")
    async def media(
        self,
        info: Info,
        *,
        kind: MediaKind | None = None,
        status: MediaStatus | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: MediaOrder | None = None,
    ) -> Connection[LazyMedia]:
        page = await media_resolvers.media_of_user(
            info.context,
            self.record,
            kind=kind,
            status=status,
            first=first,
            after=after,
            count=wants_total(info),
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, media_types.Media.of)

    @strawberry.field(description="This person's image collections (owner, manager or admin).")
    async def image_collections(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        order_by: CollectionOrder | None = None,
    ) -> Connection[LazyImageCollection]:
        page = await media_resolvers.collections_of(
            info.context,
            self.record,
            first,
            after,
            count=wants_total(info),
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, media_types.ImageCollection.of)


@strawberry.type(description="Personal details of a user; `manager` makes the team.")
class Profile(Node, Stored):
    id: str = id_field()
    user_id: str = id_field()
    manager_id: str | None = optional_id_field()
    first_name: str | None
    last_name: str | None
    job_title: str | None
    department: str | None
    phone: str | None
    bio: str | None
    record: strawberry.Private[ProfileRecord]

    @classmethod
    def of(cls, r: ProfileRecord) -> Self:
        return cls(
            id=r.profile_id,
            user_id=r.user_id,
            manager_id=r.manager_id or None,
            first_name=r.first_name,
            last_name=r.last_name,
            job_title=r.job_title,
            department=r.department,
            phone=r.phone,
            bio=r.bio,
            record=r,
        )

    @strawberry.field(graphql_type=User | None)
    def user(self, info: Info) -> Awaitable[User | None] | None:
        return linked_user(info, self.record.user_id)

    @strawberry.field(graphql_type=User | None)
    def manager(self, info: Info) -> Awaitable[User | None] | None:
        return linked_user(info, self.record.manager_id)


def _profile_of(found: ProfileRecord | None) -> Profile | None:
    return Profile.of(found) if found else None


def _user_of(found: UserRecord | None) -> User | None:
    return User.of(found) if found else None


def _submissions(page: Slice[SubmissionRecord]) -> Connection[Submission]:
    return Connection.of(page, submission_types.Submission.of)


UserConnection = Connection[User]
ProfileConnection = Connection[Profile]
