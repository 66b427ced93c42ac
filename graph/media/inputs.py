"""Input types of the upload and image-collection mutations."""

from __future__ import annotations

import strawberry

from graph.enums import MediaKind


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
