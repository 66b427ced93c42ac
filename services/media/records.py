"""Media items (an upload and its thumbnails) and image collections."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.platform.folding import fold
from services.store.records import SORTS_LAST, Record


class MediaKind(StrEnum):
    IMAGE = "IMAGE"
    DOCUMENT = "DOCUMENT"


class MediaStatus(StrEnum):
    PENDING_UPLOAD = "PENDING_UPLOAD"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class ThumbnailFormat(StrEnum):
    """Encodings of a thumbnail; the value is also Pillow's format name."""

    JPEG = "JPEG"
    WEBP = "WEBP"
    AVIF = "AVIF"


class MediaOrderField(StrEnum):
    """What lists of uploads sort by (the value is the sorted index's attribute)."""

    CREATED = "createdAt"


class CollectionOrderField(StrEnum):
    """What lists of image collections sort by (the value is the sorted indexes' attribute)."""

    UPDATED = "updatedAt"
    NAME = "nameOrder"


def by_user_counter(
    user_id: str, kind: MediaKind | None = None, status: MediaStatus | None = None
) -> str:
    """The counter of a person's uploads of `kind` in `status`, or of all of them (`kind`
    and `status` both None: one key per person)."""
    if kind is None or status is None:
        assert kind is None and status is None, "a person's media are counted by both or none"
        return f"media:user:{user_id}"
    return f"media:user:{user_id}:{kind.value}:{status.value}"


def by_submission_counter(submission_id: str) -> str:
    """The counter of a submission's files."""
    return f"media:submission:{submission_id}"


def collections_counter(user_id: str) -> str:
    """The counter of a person's image collections."""
    return f"collections:user:{user_id}"


@dataclass(frozen=True, kw_only=True)
class Media(Record):
    media_id: str
    user_id: str
    kind: MediaKind
    status: MediaStatus
    filename: str
    content_type: str
    # Declared by the client at requestUpload; replaced by the stored object's size once read.
    size: int
    bucket: str
    original_key: str
    submission_id: str | None = None
    thumb200_key: str | None = None
    thumb400_key: str | None = None
    width: int | None = None
    height: int | None = None
    failure_reason: str | None = None
    # Set when READY (items processed before these existed have none): the original without
    # metadata in the media bucket, what `url` serves, and its type (HEIF arrives as JPEG).
    clean_key: str | None = None
    clean_content_type: str | None = None
    # Thumbnail encodings written besides JPEG (keys derive from the original key).
    thumbnail_formats: list[str] | None = None
    placeholder: str | None = None  # ThumbHash, base64
    dominant_color: str | None = None  # "#rrggbb"

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["kind"] = MediaKind(values["kind"])
        values["status"] = MediaStatus(values["status"])
        if values.get("thumbnail_formats") is not None:
            values["thumbnail_formats"] = list(values["thumbnail_formats"])
        return values

    def counted_in(self) -> tuple[str, ...]:
        own = (by_user_counter(self.user_id), by_user_counter(self.user_id, self.kind, self.status))
        return (*own, by_submission_counter(self.submission_id)) if self.submission_id else own

    @property
    def final(self) -> bool:
        """READY and FAILED never change again (only deletion)."""
        return self.status in (MediaStatus.READY, MediaStatus.FAILED)


@dataclass(frozen=True, kw_only=True)
class ImageCollection(Record):
    user_id: str
    collection_id: str
    name: str
    media_ids: list[str]

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["media_ids"] = list(values.get("media_ids") or [])
        return values

    def counted_in(self) -> tuple[str, ...]:
        return (collections_counter(self.user_id),)

    def order_attributes(self) -> dict[str, str]:
        return {"nameOrder": fold(self.name) or SORTS_LAST}
