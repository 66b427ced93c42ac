"""Input types of the upload and image-collection mutations."""

from __future__ import annotations

import strawberry

from graph.connections import order_of
from graph.enums import CollectionOrderField, Direction, MediaKind, MediaOrderField
from services.store.pagination import Order


@strawberry.input(description="A file the caller is about to upload.")
class RequestUploadInput:
    filename: str = strawberry.field(description="A plain file name (no path), ≤ 255 characters.")
    content_type: str = strawberry.field(
        description=(
            "IMAGE: image/jpeg, image/png, image/gif or image/webp. DOCUMENT: application/pdf."
        )
    )
    size: int = strawberry.field(description="Bytes; at most 20 MiB (IMAGE) or 50 MiB (DOCUMENT).")
    kind: MediaKind = MediaKind.IMAGE
    submission_id: strawberry.ID | None = strawberry.field(
        default=None, description="Attach to one of the caller's own submissions."
    )


@strawberry.input
class CreateImageCollectionInput:
    name: str
    media_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="READY images the caller may see, in order."
    )


@strawberry.input(description="The order of a person's uploads (newest first by default).")
class MediaOrder:
    field: MediaOrderField
    direction: Direction = Direction.DESC

    def order(self) -> Order | None:
        return order_of(self.field, self.direction)


@strawberry.input(
    description="The order of a person's collections (last changed first by default)."
)
class CollectionOrder:
    field: CollectionOrderField
    direction: Direction = Direction.DESC

    def order(self) -> Order | None:
        return order_of(self.field, self.direction)
