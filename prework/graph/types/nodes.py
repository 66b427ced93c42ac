"""The people-side GraphQL types: users, profiles, submissions and audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from prework.graph.context import Info
from prework.graph.types.common import Connection, Role, SubmissionStatus, timestamp
from prework.resolvers import people
from prework.services import records


@strawberry.interface(description="Fields every stored item carries.")
class Stored:
    created_at: datetime
    updated_at: datetime
    created_by: str
    last_updated_by: str
    version: int = strawberry.field(description="Pass as expectedVersion to update safely.")


def _meta(record: records.Record) -> dict[str, object]:
    return {
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "created_by": record.created_by,
        "last_updated_by": record.last_updated_by,
        "version": record.version,
    }


@strawberry.type(description="A person who can sign in.")
class User(Stored):
    id: strawberry.ID
    email: str
    username: str
    role: Role
    is_active: bool
    record: strawberry.Private[records.User]

    @classmethod
    def of(cls, r: records.User) -> Self:
        return cls(
            id=strawberry.ID(r.user_id),
            email=r.email,
            username=r.username,
            role=r.role,
            is_active=r.is_active,
            record=r,
            **_meta(r),  # type: ignore[arg-type]
        )

    @strawberry.field
    async def profile(self, info: Info) -> Profile | None:
        found = await people.profile_of(info.context, self.record)
        return Profile.of(found) if found else None

    @strawberry.field(description="This person's submissions (owner, their manager or an admin).")
    async def submissions(
        self,
        info: Info,
        status: SubmissionStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Submission] | None:
        page = await people.submissions_of(info.context, self.record, status, first, after)
        return Connection.of(page, Submission.of)

    @strawberry.field(
        description="Profiles whose manager is this person (the manager or an admin)."
    )
    async def team(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Profile] | None:
        page = await people.team_of(info.context, self.record, first, after)
        return Connection.of(page, Profile.of)


@strawberry.type(description="Personal details of a user; `manager` makes the team.")
class Profile(Stored):
    id: strawberry.ID
    user_id: strawberry.ID
    manager_id: strawberry.ID | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    department: str | None
    phone: str | None
    bio: str | None
    record: strawberry.Private[records.Profile]

    @classmethod
    def of(cls, r: records.Profile) -> Self:
        return cls(
            id=strawberry.ID(r.profile_id),
            user_id=strawberry.ID(r.user_id),
            manager_id=strawberry.ID(r.manager_id) if r.manager_id else None,
            first_name=r.first_name,
            last_name=r.last_name,
            job_title=r.job_title,
            department=r.department,
            phone=r.phone,
            bio=r.bio,
            record=r,
            **_meta(r),  # type: ignore[arg-type]
        )

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        found = await people.user_of(info.context, self.record.user_id)
        return User.of(found) if found else None

    @strawberry.field
    async def manager(self, info: Info) -> User | None:
        found = await people.user_of(info.context, self.record.manager_id)
        return User.of(found) if found else None


@strawberry.type(description="Work a user hands in for review.")
class Submission(Stored):
    id: strawberry.ID
    user_id: strawberry.ID
    title: str
    description: str | None
    content: str | None
    status: SubmissionStatus
    submitted_at: datetime | None
    reviewed_at: datetime | None
    reviewer_id: strawberry.ID | None
    review_note: str | None
    record: strawberry.Private[records.Submission]

    @classmethod
    def of(cls, r: records.Submission) -> Self:
        return cls(
            id=strawberry.ID(r.submission_id),
            user_id=strawberry.ID(r.user_id),
            title=r.title,
            description=r.description,
            content=r.content,
            status=r.status,
            submitted_at=timestamp(r.submitted_at) if r.submitted_at else None,
            reviewed_at=timestamp(r.reviewed_at) if r.reviewed_at else None,
            reviewer_id=strawberry.ID(r.reviewer_id) if r.reviewer_id else None,
            review_note=r.review_note,
            record=r,
            **_meta(r),  # type: ignore[arg-type]
        )

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        found = await people.user_of(info.context, self.record.user_id)
        return User.of(found) if found else None

    @strawberry.field
    async def reviewer(self, info: Info) -> User | None:
        found = await people.user_of(info.context, self.record.reviewer_id)
        return User.of(found) if found else None


@strawberry.type(description="One recorded change.")
class AuditEntry:
    id: strawberry.ID
    user_id: strawberry.ID = strawberry.field(description="Who made the change.")
    entity_id: strawberry.ID
    entity_type: str
    action: str
    owner_id: strawberry.ID | None
    changes: str | None = strawberry.field(
        description='JSON object: field -> {"from": old, "to": new}.'
    )
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, r: records.AuditEntry) -> Self:
        return cls(
            id=strawberry.ID(r.log_id),
            user_id=strawberry.ID(r.user_id),
            entity_id=strawberry.ID(r.entity_id),
            entity_type=r.entity_type,
            action=r.action,
            owner_id=strawberry.ID(r.owner_id) if r.owner_id else None,
            changes=r.changes,
            created_at=timestamp(r.created_at),
            created_by=r.created_by,
        )


UserConnection = Connection[User]
ProfileConnection = Connection[Profile]
SubmissionConnection = Connection[Submission]
AuditEntryConnection = Connection[AuditEntry]
