"""Uploads as a client does them: requestUpload over GraphQL, then a multipart POST of the file
to the presigned URL (real HTTP to the moto server), then waiting for the pipeline."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote_plus

import httpx
from PIL import Image

from services.auth.identity import Identity
from services.media import items as media_service
from services.media.records import Media, MediaKind
from services.people.viewers import viewer_for
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope
from tests.support.clients import Api, boto
from tests.support.factories import images
from tests.support.server import run_async

T = TypeVar("T")

REQUEST_UPLOAD = """
mutation Request($input: RequestUploadInput!) {
  requestUpload(input: $input) { media { id status } url fields expiresAt }
}
"""

MEDIA = """
query Media($id: ID!) {
  media(id: $id) {
    id kind status filename contentType size width height failureReason version
    ownerId submissionId lastUpdatedBy url
    t200: thumbnailUrl t400: thumbnailUrl(width: 400)
  }
}
"""


def wait_for(check: Callable[[], T | None], *, timeout: float = 20, what: str = "it") -> T:
    """Poll `check` until it returns something truthy (no fixed sleeps in the tests)."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


@dataclass(frozen=True)
class Ticket:
    media_id: str
    url: str
    fields: dict[str, str]
    expires_at: str


def request_upload(
    api: Api,
    token: str,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    size: int,
    kind: str = "IMAGE",
    submission_id: str | None = None,
) -> Ticket:
    variables: dict[str, Any] = {
        "input": {
            "filename": filename,
            "contentType": content_type,
            "size": size,
            "kind": kind,
            "submissionId": submission_id,
        }
    }
    ticket = api.data(REQUEST_UPLOAD, variables, token=token)["requestUpload"]
    return Ticket(
        media_id=ticket["media"]["id"],
        url=ticket["url"],
        fields=ticket["fields"],
        expires_at=ticket["expiresAt"],
    )


def post_file(ticket: Ticket, data: bytes, *, filename: str = "file") -> httpx.Response:
    """The browser's part: every policy field, then the file (last, as S3 requires)."""
    content_type = ticket.fields.get("Content-Type", "application/octet-stream")
    response = httpx.post(
        ticket.url,
        data=ticket.fields,
        files={"file": (filename, data, content_type)},
        timeout=60,
    )
    assert response.status_code in (200, 201, 204), response.text
    return response


def media(api: Api, token: str, media_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = api.data(MEDIA, {"id": media_id}, token=token)["media"]
    return found


def wait_final(api: Api, token: str, media_id: str, *, timeout: float = 30) -> dict[str, Any]:
    """The media once READY or FAILED."""

    def check() -> dict[str, Any] | None:
        found = media(api, token, media_id)
        return found if found and found["status"] in ("READY", "FAILED") else None

    return wait_for(check, timeout=timeout, what=f"media {media_id} to finish")


def upload(
    api: Api,
    token: str,
    data: bytes,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    kind: str = "IMAGE",
    size: int | None = None,
    submission_id: str | None = None,
) -> dict[str, Any]:
    """Request, POST and wait: the finished media as GraphQL returns it."""
    ticket = request_upload(
        api,
        token,
        filename=filename,
        content_type=content_type,
        size=len(data) if size is None else size,
        kind=kind,
        submission_id=submission_id,
    )
    post_file(ticket, data, filename=filename)
    return wait_final(api, token, ticket.media_id)


def ready_image(api: Api, token: str, *, seed: int = 0) -> dict[str, Any]:
    """A READY 640 x 480 JPEG owned by the token's user."""
    found = upload(api, token, images.photo_jpeg(640, 480, seed=seed))
    assert found["status"] == "READY", found
    return found


def stored_item(settings: Settings, media_id: str) -> dict[str, Any]:
    """The raw DynamoDB item (keys the API does not expose)."""
    table = settings.table("media")
    item = boto(settings, "dynamodb").get_item(
        TableName=table, Key={"mediaId": {"S": media_id}}, ConsistentRead=True
    )["Item"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def s3_event(bucket: str, key: str, size: int = 1) -> str:
    """An S3 ObjectCreated notification as SQS delivers it (keys URL-encoded, as S3 does)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Post",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key), "size": size},
        },
    }
    return json.dumps({"Records": [record]})


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def side_upload(
    settings: Settings,
    data: bytes,
    *,
    filename: str = "side.jpg",
    content_type: str = "image/jpeg",
    owner: str = "side-user",
) -> Media:
    """requestUpload in a side deployment (no API server there), then the file posted to its
    URL as a browser would: the S3 event goes to that deployment's queue."""
    identity = Identity(user_id=owner, username=owner)

    async def request() -> Any:
        async with RuntimeScope(settings) as runtime:

            async def no_user(_: str) -> None:
                return None

            return await media_service.request_upload(
                runtime=runtime,
                viewer=viewer_for(runtime=runtime, identity=identity, load_user=no_user),
                filename=filename,
                content_type=content_type,
                size=len(data),
                kind=MediaKind.IMAGE,
            )

    ticket = run_async(request())
    response = httpx.post(
        ticket.url, data=ticket.fields, files={"file": (filename, data, content_type)}, timeout=60
    )
    assert response.status_code == 204, response.text
    media: Media = ticket.media
    return media
