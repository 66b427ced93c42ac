"""The processing step of the upload pipeline, shared by the SQS worker, the Lambda handler
and `completeUpload`.

PENDING_UPLOAD → PROCESSING → READY | FAILED. Every transition is a versioned conditional
write with an audit entry, so a redelivered event or a concurrent `completeUpload` either
wins the claim or sees the result: READY and FAILED items are never processed again, and
thumbnail keys derive from the original key, so a retry overwrites instead of duplicating.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from services.auth.access import Viewer
from services.auth.identity import SYSTEM, Identity
from services.media.imaging import (
    HEIF_TYPES,
    ImageRejected,
    ProcessedImage,
    make_thumbnails,
    sniff_content_type,
)
from services.media.items import (
    IMMUTABLE,
    THUMBNAIL_WIDTHS,
    clean_key,
    load_media,
    media_id_for,
    publish,
    readable,
    size_limit,
    thumbnail_key,
)
from services.media.records import Media, MediaKind, MediaStatus, ThumbnailFormat
from services.platform import metrics
from services.platform.errors import BadInput, Conflict, NotFound
from services.runtime.wiring import Runtime
from services.store.dynamo import client_error_code
from services.store.versioned import save_changes

log = logging.getLogger("prework.uploads")

MISSING = "the uploaded file is missing"

# One processor per media item within a process (the API's completeUpload and the in-process
# worker often race for the same upload). Across processes the conditional writes decide;
# moto does not serialise concurrent conditional writes the way DynamoDB does, and this lock
# also keeps the local stack from ending with two losers.
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


class InProgress(Exception):
    """Another processor holds a fresh claim on this media; try again later."""


async def process_upload(*, runtime: Runtime, bucket: str, key: str) -> Media | None:
    """Process the media item behind an uploaded object (an S3 event).

    Returns None when no media item owns the object (deleted, or not an upload we issued).
    """
    media = await load_media(runtime=runtime, media_id=media_id_for(bucket=bucket, key=key))
    if media is None or media.bucket != bucket or media.original_key != key:
        log.info("no media item for s3://%s/%s; ignoring the event", bucket, key)
        return None
    return await process_media(runtime=runtime, media=media)


async def process_media(
    *,
    runtime: Runtime,
    media: Media,
    actor: Identity = SYSTEM,
    require_object: bool = False,
) -> Media | None:
    """Validate and thumbnail `media` once; the result is READY or FAILED (None: deleted).

    `require_object`: refuse (BAD_USER_INPUT, nothing changes) when the file is not in S3 yet,
    instead of failing the media — what `completeUpload` wants before the client has posted.
    Raises InProgress when someone else is processing it right now.
    """
    lock = _locks.setdefault(media.media_id, asyncio.Lock())
    waited = lock.locked()
    async with lock:
        if waited:
            # Whoever held the lock has probably finished it: read it again.
            current = await load_media(runtime=runtime, media_id=media.media_id)
            if current is None:
                return None
            media = current
        return await _process(runtime=runtime, media=media, actor=actor, require=require_object)


async def _process(
    *, runtime: Runtime, media: Media, actor: Identity, require: bool
) -> Media | None:
    if media.final:
        return media
    if media.status is MediaStatus.PROCESSING and not _stale(runtime, media):
        raise InProgress(media.media_id)
    head = await _head(runtime, media.bucket, media.original_key)
    if head is None and require:
        raise BadInput("no file has been uploaded for this media yet; post it first")
    claimed = await _transition(
        runtime, media, {"status": MediaStatus.PROCESSING}, actor=actor, action="PROCESS"
    )
    if claimed is None or claimed.status is not MediaStatus.PROCESSING:
        return claimed
    await publish(runtime=runtime, media=claimed)
    started = time.perf_counter()
    changes = await _outcome(runtime, claimed, head)
    final = await _transition(runtime, claimed, changes, actor=actor, action="PROCESSED")
    if final is None and changes.get("status") is MediaStatus.READY:
        # Deleted while we worked: do not leave the renditions we just wrote behind.
        await _delete_renditions(runtime, claimed, changes)
    if final is not None and final.status is MediaStatus.READY and final.clean_key:
        # The raw upload, metadata and all, is never served again (`url` serves the clean
        # copy), so it is not kept. Only now: until READY a retry may still need it.
        await _delete_raw_upload(runtime, final)
    if final is not None and final.version == claimed.version + 1:
        outcome = final.status.value.lower()
        metrics.WORKER_PROCESSED.labels(outcome).inc()
        metrics.WORKER_SECONDS.observe(time.perf_counter() - started)
        log.info("media %s: %s %s", final.media_id, outcome, final.failure_reason or "")
        await publish(runtime=runtime, media=final)
    return final


def _stale(runtime: Runtime, media: Media) -> bool:
    # A claim older than the visibility timeout belongs to a processor that died: SQS has
    # already handed the message to someone else, so take the claim over.
    age = time.time() - datetime.fromisoformat(media.updated_at).timestamp()
    return age > runtime.settings.worker_visibility_timeout


async def _transition(
    runtime: Runtime, media: Media, changes: dict[str, Any], *, actor: Identity, action: str
) -> Media | None:
    """Apply `changes` over media's version; on a lost race return the current item."""
    try:
        return await save_changes(
            runtime=runtime,
            table=runtime.tables.media,
            key={"mediaId": media.media_id},
            record=media,
            changes=changes,
            actor=actor,
            entity_type="Media",
            entity_id=media.media_id,
            owner_id=media.user_id,
            action=action,
        )
    except Conflict:
        current = await load_media(runtime=runtime, media_id=media.media_id)
        if current is not None and not current.final:
            raise InProgress(media.media_id) from None
        return current


async def _head(runtime: Runtime, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        head: dict[str, Any] = await runtime.aws.s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if client_error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head


async def _read(runtime: Runtime, media: Media, *, first_bytes: int | None) -> bytes | None:
    extra = {"Range": f"bytes=0-{first_bytes - 1}"} if first_bytes else {}
    try:
        response = await runtime.aws.s3.get_object(
            Bucket=media.bucket, Key=media.original_key, **extra
        )
    except ClientError as error:
        if client_error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    async with response["Body"] as stream:
        data: bytes = await stream.read()
    return data


def _failed(reason: str, **more: Any) -> dict[str, Any]:
    return {"status": MediaStatus.FAILED, "failure_reason": reason, **more}


async def _outcome(runtime: Runtime, media: Media, head: dict[str, Any] | None) -> dict[str, Any]:
    """The changes that finish processing: READY with sizes and keys, or FAILED with a reason.

    Real S3 enforces the POST policy (type, size range); moto and other stores may not, so
    everything is checked again against what the client declared.
    """
    if head is None:
        return _failed(MISSING)
    size = int(head.get("ContentLength", 0))
    limit = size_limit(runtime=runtime, kind=media.kind)
    if size == 0:
        return _failed("the file is empty", size=0)
    if size > limit:
        return _failed(f"file too big: {size} bytes exceeds the limit of {limit} bytes", size=size)
    if size != media.size:
        return _failed(f"the file has {size} bytes but {media.size} were declared", size=size)
    is_image = media.kind is MediaKind.IMAGE
    data = await _read(runtime, media, first_bytes=None if is_image else 16)
    if data is None:
        return _failed(MISSING)
    sniffed = sniff_content_type(data[:16])
    if sniffed is not None and not _same_type(sniffed, media.content_type):
        return _failed(f"wrong type: declared {media.content_type} but the file is {sniffed}")
    if not is_image:
        if sniffed is None:
            return _failed(f"wrong type: declared {media.content_type} but the file is not one")
        return {"status": MediaStatus.READY, "size": size, "failure_reason": None}
    settings = runtime.settings
    work = functools.partial(
        make_thumbnails,
        data,
        widths=THUMBNAIL_WIDTHS,
        formats=tuple(ThumbnailFormat),
        quality=settings.thumbnail_quality,
        max_pixels=settings.max_image_pixels,
        placeholder=True,
        original=True,
    )
    try:
        # Pillow releases the GIL; the pool bounds how many decodes run at once.
        processed = await asyncio.get_running_loop().run_in_executor(runtime.thumbnailer, work)
    except ImageRejected as rejected:
        return _failed(rejected.reason, size=size)
    clean = await _store_renditions(runtime, media, processed)
    placeholder = processed.placeholder
    return {
        "status": MediaStatus.READY,
        "size": size,
        "width": processed.width,
        "height": processed.height,
        "thumb200_key": thumbnail_key(media.original_key, 200),
        "thumb400_key": thumbnail_key(media.original_key, 400),
        "thumbnail_formats": [f.value for f in ThumbnailFormat if f is not ThumbnailFormat.JPEG],
        "clean_key": clean,
        "clean_content_type": processed.original.content_type if processed.original else None,
        "placeholder": placeholder.thumbhash if placeholder else None,
        "dominant_color": placeholder.dominant_color if placeholder else None,
        "failure_reason": None,
    }


def _same_type(sniffed: str, declared: str) -> bool:
    # Phones label HEIF files image/heic or image/heif regardless of the brand inside.
    return sniffed == declared or {sniffed, declared} <= HEIF_TYPES


async def _store_renditions(runtime: Runtime, media: Media, processed: ProcessedImage) -> str:
    """Write every thumbnail and the clean original; return the clean original's key."""
    s3 = runtime.aws.s3
    thumbs = runtime.settings.thumbnails_bucket_name
    original = processed.original
    assert original is not None  # asked for with original=True
    key = clean_key(media.original_key, converted=media.content_type in HEIF_TYPES)
    await asyncio.gather(
        *(
            s3.put_object(
                Bucket=thumbs,
                Key=thumbnail_key(media.original_key, width, fmt),
                Body=thumbnail.data,
                ContentType=thumbnail.content_type,
                CacheControl=IMMUTABLE,
            )
            for (fmt, width), thumbnail in processed.renditions.items()
        ),
        s3.put_object(
            Bucket=media.bucket,
            Key=key,
            Body=original.data,
            ContentType=original.content_type,
            CacheControl=IMMUTABLE,
        ),
    )
    return key


async def _delete_renditions(runtime: Runtime, media: Media, changes: dict[str, Any]) -> None:
    bucket = runtime.settings.thumbnails_bucket_name
    deletes = [
        runtime.aws.s3.delete_object(
            Bucket=bucket, Key=thumbnail_key(media.original_key, width, fmt)
        )
        for width in THUMBNAIL_WIDTHS
        for fmt in ThumbnailFormat
    ]
    if changes.get("clean_key"):
        deletes.append(runtime.aws.s3.delete_object(Bucket=media.bucket, Key=changes["clean_key"]))
    await asyncio.gather(*deletes)


async def _delete_raw_upload(runtime: Runtime, media: Media) -> None:
    try:
        await runtime.aws.s3.delete_object(Bucket=media.bucket, Key=media.original_key)
    except ClientError as error:
        # READY stands; the raw file stays private (no URL names it) and deleteMedia or a
        # lifecycle rule removes it later.
        log.warning("could not delete the raw upload of media %s: %s", media.media_id, error)


async def complete_upload(*, runtime: Runtime, viewer: Viewer, media_id: str) -> Media:
    """Process an upload now, for stores that send no S3 events (owner or admin).

    Harmless when repeated or after the worker: a finished item is returned as it is, one
    being processed elsewhere is returned as PROCESSING.
    """
    media = await readable(runtime=runtime, viewer=viewer, media_id=media_id)
    actor = viewer.check_self_or_admin(media.user_id, what="this media")
    current = await load_media(runtime=runtime, media_id=media.media_id)
    try:
        result = (
            await process_media(runtime=runtime, media=current, actor=actor, require_object=True)
            if current is not None
            else None
        )
    except InProgress:
        result = await load_media(runtime=runtime, media_id=media.media_id)
    if result is None:
        raise NotFound("no media with this id")
    return result
