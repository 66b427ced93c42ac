"""Media items (uploads with their thumbnails), upload tickets and image collections."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry.scalars import JSON

import graph.people.types as people_types
import graph.submissions.types as submission_types
from graph.connections import Connection
from graph.context import Info
from graph.enums import MediaKind, MediaStatus, ThumbnailFormat
from graph.stored import Node, Stored, id_field, optional_id_field
from resolvers import media as media_resolvers
from services.media import collections, items
from services.media.items import UploadTicket as TicketRecord
from services.media.records import ImageCollection as ImageCollectionRecord
from services.media.records import Media as MediaRecord

if TYPE_CHECKING:
    from graph.people.types import User
    from graph.submissions.types import Submission

# Types of other capabilities, resolved when the schema is built (they refer to each other).
LazySubmission = Annotated["Submission", strawberry.lazy("graph.submissions.types")]
LazyUser = Annotated["User", strawberry.lazy("graph.people.types")]


@strawberry.type(description="An uploaded file: an image with thumbnails, or a document.")
class Media(Node, Stored):
    id: str = id_field()
    kind: MediaKind
    status: MediaStatus
    filename: str
    content_type: str
    size: int = strawberry.field(description="Declared bytes; the stored size once processed.")
    width: int | None = strawberry.field(description="Pixels as displayed (EXIF orientation).")
    height: int | None
    failure_reason: str | None = strawberry.field(description="Why processing FAILED.")
    placeholder: str | None = strawberry.field(
        description="ThumbHash (base64) of the image, to paint before a thumbnail; READY images."
    )
    dominant_color: str | None = strawberry.field(
        description="The image's most common colour, `#rrggbb`; READY images."
    )
    owner_id: str = id_field()
    submission_id: str | None = optional_id_field()
    record: strawberry.Private[MediaRecord]

    @classmethod
    def of(cls, r: MediaRecord) -> Self:
        return cls(
            id=r.media_id,
            kind=r.kind,
            status=r.status,
            filename=r.filename,
            content_type=r.content_type,
            size=r.size,
            width=r.width,
            height=r.height,
            failure_reason=r.failure_reason,
            placeholder=r.placeholder,
            dominant_color=r.dominant_color,
            owner_id=r.user_id,
            submission_id=r.submission_id or None,
            record=r,
        )

    @strawberry.field(graphql_type=LazyUser | None)
    def owner(self, info: Info) -> Awaitable[User | None] | None:
        return people_types.linked_user(info, self.record.user_id)

    @strawberry.field
    async def submission(self, info: Info) -> LazySubmission | None:
        found = await media_resolvers.submission_of(info.context, self.record)
        return submission_types.Submission.of(found) if found else None

    @strawberry.field(
        description=(
            "Presigned GET of the original without its metadata (HEIF as JPEG); null until "
            "READY. `downloadName`: the response asks the browser to save it under that name."
        )
    )
    async def url(self, info: Info, download_name: str | None = None) -> str | None:
        return await items.download_url(
            runtime=info.context.runtime, media=self.record, filename=download_name
        )

    @strawberry.field(
        description=(
            "Presigned GET of the 200 or 400 px wide thumbnail; null until READY, and for "
            "WEBP/AVIF on images processed before those existed."
        )
    )
    async def thumbnail_url(
        self,
        info: Info,
        width: int = 200,
        format: ThumbnailFormat = ThumbnailFormat.JPEG,
        download_name: str | None = None,
    ) -> str | None:
        return await items.thumbnail_url(
            runtime=info.context.runtime,
            media=self.record,
            width=width,
            fmt=format,
            filename=download_name,
        )


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
class ImageCollection(Node, Stored):
    id: str = id_field(description="`<ownerId>:<collectionId>`.")
    name: str
    owner_id: str = id_field()
    media_ids: list[str] = strawberry.field(graphql_type=list[strawberry.ID])
    record: strawberry.Private[ImageCollectionRecord]

    @classmethod
    def of(cls, r: ImageCollectionRecord) -> Self:
        return cls(
            id=collections.public_id(r),
            name=r.name,
            owner_id=r.user_id,
            media_ids=list(r.media_ids),
            record=r,
        )

    @strawberry.field(description="The images in order (deleted ones are left out).")
    async def images(self, info: Info) -> list[Media]:
        return [Media.of(m) for m in await media_resolvers.images_of(info.context, self.record)]

    @strawberry.field(graphql_type=LazyUser | None)
    def owner(self, info: Info) -> Awaitable[User | None] | None:
        return people_types.linked_user(info, self.record.user_id)


MediaConnection = Connection[Media]
ImageCollectionConnection = Connection[ImageCollection]
