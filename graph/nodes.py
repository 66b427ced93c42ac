"""The GraphQL object types: users, profiles, submissions, audit entries, media and image
collections."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.scalars import JSON

from graph.connections import Connection, MediaKind, MediaStatus, Role, SubmissionStatus, timestamp
from graph.context import Info
from resolvers import media as media_resolvers
from resolvers import people
from services.media import collections
from services.media.items import UploadTicket as TicketRecord
from services.media.records import ImageCollection as ImageCollectionRecord
from services.media.records import Media as MediaRecord
from services.people.records import Profile as ProfileRecord
from services.people.records import User as UserRecord
from services.store.audit import AuditEntry as AuditEntryRecord
from services.store.records import Record
from services.submissions.records import Submission as SubmissionRecord


@strawberry.interface(description="Fields every stored item carries.")
class Stored:
    created_at: datetime
    updated_at: datetime
    created_by: str
    last_updated_by: str
    version: int = strawberry.field(description="Pass as expectedVersion to update safely.")


def _meta(record: Record) -> dict[str, object]:
    return {
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "created_by": record.created_by,
        "last_updated_by": record.last_updated_by,
        "version": record.version,
    }


async def _user(info: Info, user_id: str | None) -> User | None:
    """A linked person (owner, manager, reviewer) through the request's user loader."""
    found = await people.user_of(info.context, user_id)
    return User.of(found) if found else None


@strawberry.type(description="A person who can sign in.")
class User(Stored):
    id: strawberry.ID
    email: str
    username: str
    role: Role
    is_active: bool
    record: strawberry.Private[UserRecord]

    @classmethod
    def of(cls, r: UserRecord) -> Self:
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

    @strawberry.field(description="This person's image collections (owner, manager or admin).")
    async def image_collections(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[ImageCollection]:
        page = await media_resolvers.collections_of(info.context, self.record, first, after)
        return Connection.of(page, ImageCollection.of)


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
    record: strawberry.Private[ProfileRecord]

    @classmethod
    def of(cls, r: ProfileRecord) -> Self:
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
        return await _user(info, self.record.user_id)

    @strawberry.field
    async def manager(self, info: Info) -> User | None:
        return await _user(info, self.record.manager_id)


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
    record: strawberry.Private[SubmissionRecord]

    @classmethod
    def of(cls, r: SubmissionRecord) -> Self:
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
        return await _user(info, self.record.user_id)

    @strawberry.field
    async def reviewer(self, info: Info) -> User | None:
        return await _user(info, self.record.reviewer_id)

    @strawberry.field(description="Files uploaded for this submission.")
    async def media(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Media]:
        page = await media_resolvers.media_of_submission(info.context, self.record, first, after)
        return Connection.of(page, Media.of)


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
    def of(cls, r: AuditEntryRecord) -> Self:
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


@strawberry.type(description="An uploaded file: an image with thumbnails, or a document.")
class Media(Stored):
    id: strawberry.ID
    kind: MediaKind
    status: MediaStatus
    filename: str
    content_type: str
    size: int = strawberry.field(description="Declared bytes; the stored size once processed.")
    width: int | None = strawberry.field(description="Pixels as displayed (EXIF orientation).")
    height: int | None
    failure_reason: str | None = strawberry.field(description="Why processing FAILED.")
    owner_id: strawberry.ID
    submission_id: strawberry.ID | None
    record: strawberry.Private[MediaRecord]

    @classmethod
    def of(cls, r: MediaRecord) -> Self:
        return cls(
            id=strawberry.ID(r.media_id),
            kind=r.kind,
            status=r.status,
            filename=r.filename,
            content_type=r.content_type,
            size=r.size,
            width=r.width,
            height=r.height,
            failure_reason=r.failure_reason,
            owner_id=strawberry.ID(r.user_id),
            submission_id=strawberry.ID(r.submission_id) if r.submission_id else None,
            record=r,
            **_meta(r),  # type: ignore[arg-type]
        )

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _user(info, self.record.user_id)

    @strawberry.field
    async def submission(self, info: Info) -> Submission | None:
        found = await media_resolvers.submission_of(info.context, self.record)
        return Submission.of(found) if found else None

    @strawberry.field(description="Presigned GET of the original; null until READY.")
    async def url(self, info: Info) -> str | None:
        return await media_resolvers.url_of(info.context, self.record)

    @strawberry.field(description="Presigned GET of the 200 or 400 px wide JPEG; null until READY.")
    async def thumbnail_url(self, info: Info, width: int = 200) -> str | None:
        return await media_resolvers.thumbnail_url_of(info.context, self.record, width)


@strawberry.type(description="Where and how to POST one file (multipart/form-data).")
class UploadTicket:
    media: Media
    url: str = strawberry.field(description="POST here: every field below, then `file` last.")
    fields: JSON = strawberry.field(description="Form fields, name → value, sent as they are.")
    expires_at: datetime

    @classmethod
    def of(cls, ticket: TicketRecord) -> Self:
        return cls(
            media=Media.of(ticket.media),
            url=ticket.url,
            fields=JSON(ticket.fields),
            expires_at=ticket.expires_at,
        )


@strawberry.type(description="A named, ordered list of READY images.")
class ImageCollection(Stored):
    id: strawberry.ID = strawberry.field(description="`<ownerId>:<collectionId>`.")
    name: str
    owner_id: strawberry.ID
    media_ids: list[strawberry.ID]
    record: strawberry.Private[ImageCollectionRecord]

    @classmethod
    def of(cls, r: ImageCollectionRecord) -> Self:
        return cls(
            id=strawberry.ID(collections.public_id(r)),
            name=r.name,
            owner_id=strawberry.ID(r.user_id),
            media_ids=[strawberry.ID(i) for i in r.media_ids],
            record=r,
            **_meta(r),  # type: ignore[arg-type]
        )

    @strawberry.field(description="The images in order (deleted ones are left out).")
    async def images(self, info: Info) -> list[Media]:
        return [Media.of(m) for m in await media_resolvers.images_of(info.context, self.record)]

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _user(info, self.record.user_id)


UserConnection = Connection[User]
ProfileConnection = Connection[Profile]
SubmissionConnection = Connection[Submission]
AuditEntryConnection = Connection[AuditEntry]
MediaConnection = Connection[Media]
ImageCollectionConnection = Connection[ImageCollection]
