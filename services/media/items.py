"""Media items: presigned uploads, reads, download URLs and deletion.

Keys follow seed 001: `uploads/<userId>/<timestamp>-<filename>` for originals and
`thumbnails/{200,400}/<timestamp>-<filename>` for (JPEG) thumbnails; WebP and AVIF thumbnails
add `.webp`/`.avif` to that key, and the original without metadata (what `url` serves) is
`originals/<userId>/<timestamp>-<filename>` (`.jpg` added for HEIF) in the media bucket.
The media id is derived from the bucket and key (UUID v5), so the worker finds the item for
an S3 event with one GetItem and nothing has to be looked up by scanning or by object
metadata.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from services.auth.access import Viewer
from services.media.records import (
    Media,
    MediaKind,
    MediaOrderField,
    MediaStatus,
    ThumbnailFormat,
    by_submission_counter,
    by_user_counter,
)
from services.platform import clock, validation
from services.platform.errors import BadInput, Forbidden, NotFound
from services.runtime.wiring import Runtime
from services.store.dynamo import batch_get, get_item
from services.store.list_request import ListRequest
from services.store.pagination import (
    Direction,
    Order,
    Slice,
    check_first,
    partition_page,
    read_slice,
)
from services.store.tables import MEDIA
from services.store.versioned import create, delete, stamp_new
from services.submissions import get_submissions

CHANNEL = "media"
THUMBNAIL_WIDTHS = (200, 400)
IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"}
)
# Renditions never change under their key (a retry writes the same bytes), so clients and
# CDNs may keep them for a year; `private` keeps shared proxies from storing people's photos.
IMMUTABLE = "private, max-age=31536000, immutable"
_EXTENSIONS = {ThumbnailFormat.WEBP: ".webp", ThumbnailFormat.AVIF: ".avif"}
DOCUMENT_TYPES = frozenset({"application/pdf"})
FILENAME_MAX = 255
_KEY_NAME_MAX = 120
# Fixed namespace for media ids derived from object locations (any constant UUID would do).
_MEDIA_NS = uuid.UUID("6f1d3c0e-5b8a-4e43-9d1c-2a7f6e0b9c41")


@dataclass(frozen=True)
class UploadTicket:
    """What a client needs to POST one file straight to S3."""

    media: Media
    url: str
    fields: dict[str, str]
    expires_at: datetime


def media_id_for(*, bucket: str, key: str) -> str:
    """The media id of the object at `bucket`/`key` (deterministic)."""
    return str(uuid.uuid5(_MEDIA_NS, f"{bucket}/{key}"))


def check_filename(value: str) -> str:
    """A plain file name: not empty, not a path, no control/formatting characters, ≤ 255."""
    name = value.strip()
    if not name:
        raise BadInput("filename must not be empty", field="filename")
    if len(value) > FILENAME_MAX:
        raise BadInput(f"filename must be at most {FILENAME_MAX} characters", field="filename")
    # Cc covers NUL and other controls, Cf the bidi overrides (U+202E) that disguise extensions.
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in value):
        raise BadInput("filename contains control or formatting characters", field="filename")
    if any(c in name for c in "/\\:") or set(name) == {"."} or name.startswith(".."):
        raise BadInput("filename must be a plain file name, not a path", field="filename")
    return name


def safe_key_name(filename: str) -> str:
    """The file name as used in object keys: letters, digits, '.', '_' and '-' only."""
    normal = unicodedata.normalize("NFKC", filename)
    cleaned = "".join(c if c.isalnum() or c in "._-" else "-" for c in normal)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip(".-") or "file"
    if len(cleaned) > _KEY_NAME_MAX:
        _, dot, ext = cleaned.rpartition(".")
        suffix = "." + ext[:16] if dot else ""
        cleaned = cleaned[: _KEY_NAME_MAX - len(suffix)].rstrip(".-") + suffix
    return cleaned


def thumbnail_key(
    original_key: str, width: int, fmt: ThumbnailFormat = ThumbnailFormat.JPEG
) -> str:
    """`uploads/<userId>/<ts>-<name>` → `thumbnails/<width>/<ts>-<name>` (redelivery-safe);
    WebP and AVIF add their extension."""
    _, _, rest = original_key.split("/", 2)
    return f"thumbnails/{width}/{rest}{_EXTENSIONS.get(fmt, '')}"


def clean_key(original_key: str, *, converted: bool) -> str:
    """`uploads/<userId>/<ts>-<name>` → `originals/<userId>/<ts>-<name>`, outside the prefix
    whose ObjectCreated events reach the worker; `.jpg` added when HEIF became JPEG."""
    _, rest = original_key.split("/", 1)
    return f"originals/{rest}" + (".jpg" if converted else "")


def size_limit(*, runtime: Runtime, kind: MediaKind) -> int:
    """The largest file of `kind` accepted (bytes)."""
    s = runtime.settings
    return s.max_image_bytes if kind is MediaKind.IMAGE else s.max_document_bytes


def bucket_for(*, runtime: Runtime, kind: MediaKind) -> str:
    s = runtime.settings
    return s.media_bucket_name if kind is MediaKind.IMAGE else s.documents_bucket_name


def _check_type(kind: MediaKind, content_type: str) -> str:
    normal = content_type.strip().lower()
    allowed = IMAGE_TYPES if kind is MediaKind.IMAGE else DOCUMENT_TYPES
    if normal not in allowed:
        raise BadInput(
            f"unsupported content type {content_type[:100]!r} for {kind.value}; "
            f"allowed: {', '.join(sorted(allowed))}",
            field="contentType",
        )
    return normal


async def request_upload(
    *,
    runtime: Runtime,
    viewer: Viewer,
    filename: str,
    content_type: str,
    size: int,
    kind: MediaKind,
    submission_id: str | None = None,
) -> UploadTicket:
    """A PENDING_UPLOAD media item and a presigned POST that accepts exactly one file for it.

    Everything is validated before any URL is issued. Signing is local: no S3 request.
    """
    actor = viewer.require()
    name = check_filename(filename)
    declared_type = _check_type(kind, content_type)
    limit = size_limit(runtime=runtime, kind=kind)
    if size <= 0 or size > limit:
        raise BadInput(f"size must be between 1 and {limit} bytes for {kind.value}", field="size")
    if submission_id is not None:
        found = await get_submissions(
            runtime=runtime, ids=[validation.identifier(submission_id, field="submissionId")]
        )
        submission = found.get(submission_id)
        if submission is None:
            raise NotFound("no submission with this id")
        if submission.user_id != actor.user_id:
            raise Forbidden("you may only attach uploads to your own submissions")
    now = clock.now()
    at = clock.iso(now)
    bucket = bucket_for(runtime=runtime, kind=kind)
    # Microsecond timestamps keep keys unique per user; a clash fails the conditional put.
    stamp = int(now.timestamp() * 1_000_000)
    key = f"uploads/{actor.user_id}/{stamp}-{safe_key_name(name)}"
    media = Media(
        media_id=media_id_for(bucket=bucket, key=key),
        user_id=actor.user_id,
        submission_id=submission_id,
        kind=kind,
        status=MediaStatus.PENDING_UPLOAD,
        filename=name,
        content_type=declared_type,
        size=size,
        bucket=bucket,
        original_key=key,
        **stamp_new(actor, at),
    )
    await create(
        runtime=runtime,
        puts=[(runtime.tables.media, media, "mediaId")],
        actor=actor,
        entity_type="Media",
        entity_id=media.media_id,
        owner_id=actor.user_id,
    )
    expiry = runtime.settings.upload_url_expiry_seconds
    post = await runtime.aws.s3.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": declared_type},
        Conditions=[{"Content-Type": declared_type}, ["content-length-range", 1, limit]],
        ExpiresIn=expiry,
    )
    return UploadTicket(
        media=media,
        url=str(post["url"]),
        fields={str(k): str(v) for k, v in post["fields"].items()},
        expires_at=now + timedelta(seconds=expiry),
    )


async def get_media(*, runtime: Runtime, ids: list[str]) -> dict[str, Media]:
    """Media items by id (BatchGetItem, 100 a call); missing ids are absent."""
    items = await batch_get(
        aws=runtime.aws, table=runtime.tables.media, keys=[{"mediaId": i} for i in ids]
    )
    return {i["mediaId"]: Media.from_item(i) for i in items}


async def load_media(*, runtime: Runtime, media_id: str) -> Media | None:
    """One media item, read consistently (the pipeline's view)."""
    item = await get_item(
        aws=runtime.aws, table=runtime.tables.media, key={"mediaId": media_id}, consistent=True
    )
    return Media.from_item(item) if item else None


async def by_submission_page(
    *, runtime: Runtime, submission_id: str, first: int, after: str | None
) -> Slice[Media]:
    """One page of a submission's media (SubmissionIdIndex). Callers check access first."""
    return await partition_page(
        runtime=runtime,
        spec=MEDIA,
        attribute="submissionId",
        value=submission_id,
        scope=f"media:submission:{submission_id}",
        first=first,
        after=after,
        build=Media.from_item,
        count_keys=(by_submission_counter(submission_id),),
    )


def by_user_count_keys(
    user_id: str, kind: MediaKind | None, status: MediaStatus | None
) -> tuple[str, ...]:
    """The counters whose sum is the number of a person's uploads of `kind` in `status`."""
    if kind is None and status is None:
        return (by_user_counter(user_id),)
    return tuple(
        by_user_counter(user_id, k, s)
        for k in ([kind] if kind else list(MediaKind))
        for s in ([status] if status else list(MediaStatus))
    )


async def by_user_page(
    *,
    runtime: Runtime,
    user_id: str,
    kind: MediaKind | None,
    status: MediaStatus | None,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[Media]:
    """One page of a person's uploads, newest first unless `order` says otherwise (a sorted
    index over userId), optionally of one kind and status. Callers check access first."""
    check_first(first, maximum=runtime.settings.page_size_max)
    order = order or Order(MediaOrderField.CREATED, Direction.DESC)
    query = ListRequest(MEDIA, runtime.tables).on("userId", user_id, by=order.by)
    if order.direction is Direction.DESC:
        query.descending()
    if kind is not None:
        query.where("kind", kind.value)
    if status is not None:
        query.where("status", status.value)
    return await read_slice(
        runtime=runtime,
        query=query,
        scope=f"media:user:{user_id}:{kind or '*'}:{status or '*'}:{order.scope}",
        first=first,
        after=after,
        build=Media.from_item,
        count_keys=by_user_count_keys(user_id, kind, status),
    )


async def readable(*, runtime: Runtime, viewer: Viewer, media_id: str) -> Media:
    """One media item the caller may read (owner, their manager, admin)."""
    viewer.require()
    found = await get_media(runtime=runtime, ids=[validation.identifier(media_id)])
    media = found.get(media_id)
    if media is None:
        raise NotFound("no media with this id")
    await viewer.check_owned(media.user_id, what="this media")
    return media


async def delete_media(*, runtime: Runtime, viewer: Viewer, media_id: str) -> bool:
    """Remove the item (with its audit entry), then the original and both thumbnails."""
    media = await readable(runtime=runtime, viewer=viewer, media_id=media_id)
    actor = viewer.check_self_or_admin(media.user_id, what="this media")
    await delete(
        runtime=runtime,
        table=runtime.tables.media,
        key={"mediaId": media.media_id},
        record=media,
        actor=actor,
        entity_type="Media",
        entity_id=media.media_id,
        owner_id=media.user_id,
    )
    # The item is the source of truth and is gone; DeleteObject is idempotent, so a retry of
    # a half-finished cleanup is harmless.
    await delete_objects(runtime=runtime, media=media)
    return True


async def delete_objects(*, runtime: Runtime, media: Media) -> None:
    """The original, its clean copy and every thumbnail of `media` (missing objects are fine)."""
    thumbs = runtime.settings.thumbnails_bucket_name
    targets = [(media.bucket, media.original_key)]
    if media.clean_key is not None:
        targets.append((media.bucket, media.clean_key))
    targets += [
        (thumbs, thumbnail_key(media.original_key, w, f))
        for w in THUMBNAIL_WIDTHS
        for f in ThumbnailFormat
    ]
    await asyncio.gather(
        *(runtime.aws.s3.delete_object(Bucket=bucket, Key=key) for bucket, key in targets)
    )


def content_disposition(filename: str) -> str:
    """`attachment` with the name as RFC 6266 wants it: an ASCII fallback and the UTF-8 form."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)  # fmt: skip
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _presigned_get(
    runtime: Runtime, bucket: str, key: str, *, filename: str | None = None
) -> str:
    params = {"Bucket": bucket, "Key": key}
    if filename is not None:
        # Signed into the URL: S3 answers with this Content-Disposition, so browsers save the
        # file under the asked name instead of showing it.
        params["ResponseContentDisposition"] = content_disposition(filename)
    url = await runtime.aws.s3.generate_presigned_url(
        "get_object", Params=params, ExpiresIn=runtime.settings.download_url_expiry_seconds
    )
    return str(url)


def _checked_name(filename: str | None) -> str | None:
    return None if filename is None else check_filename(filename)


async def download_url(
    *, runtime: Runtime, media: Media, filename: str | None = None
) -> str | None:
    """A presigned GET of the original as served (without metadata), or None until READY
    (local signing only). `filename`: ask for a download under that name."""
    name = _checked_name(filename)
    if media.status is not MediaStatus.READY:
        return None
    # Items made READY before originals were cleaned have no clean copy.
    key = media.clean_key or media.original_key
    return await _presigned_get(runtime, media.bucket, key, filename=name)


async def thumbnail_url(
    *,
    runtime: Runtime,
    media: Media,
    width: int,
    fmt: ThumbnailFormat = ThumbnailFormat.JPEG,
    filename: str | None = None,
) -> str | None:
    """A presigned GET of the 200 or 400 px thumbnail in `fmt`, or None until READY, for
    documents, and for formats the item was not rendered in (items older than WebP/AVIF)."""
    if width not in THUMBNAIL_WIDTHS:
        raise BadInput("width must be 200 or 400", field="width")
    name = _checked_name(filename)
    key = media.thumb200_key if width == 200 else media.thumb400_key
    if media.status is not MediaStatus.READY or key is None:
        return None
    if fmt is not ThumbnailFormat.JPEG:
        if fmt.value not in (media.thumbnail_formats or []):
            return None
        key = thumbnail_key(media.original_key, width, fmt)
    bucket = runtime.settings.thumbnails_bucket_name
    return await _presigned_get(runtime, bucket, key, filename=name)


async def publish(*, runtime: Runtime, media: Media) -> None:
    """Tell subscribers (in this and, through Redis, other processes) about a status change."""
    await runtime.events.publish(CHANNEL, media.to_item())
