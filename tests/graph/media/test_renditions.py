"""Private, light media end to end against the moto server: what `url` serves carries no
location in any accepted format (HEIC included), thumbnails come in JPEG, WebP and AVIF at
both widths with year-long immutable caching, READY images have a placeholder, downloads can
be named, and a truncated HEIC fails with a reason while the worker carries on."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import thumbhash
from PIL import Image

from tests.conftest import Stack
from tests.support.clients import Api, boto, error_codes
from tests.support.factories import images, tagged
from tests.support.factories.media import post_file as post
from tests.support.factories.media import request_upload, stored_item, upload, wait_final

RENDITIONS = """
query Renditions($id: ID!) {
  media(id: $id) {
    id status width height failureReason placeholder dominantColor url
    named: url(downloadName: "holiday photo.jpg")
    j200: thumbnailUrl j400: thumbnailUrl(width: 400, format: JPEG)
    w200: thumbnailUrl(format: WEBP) w400: thumbnailUrl(width: 400, format: WEBP)
    a200: thumbnailUrl(format: AVIF) a400: thumbnailUrl(width: 400, format: AVIF)
  }
}
"""

NAMED_THUMBNAIL = """
query Named($id: ID!, $name: String!) {
  media(id: $id) { thumbnailUrl(width: 400, format: WEBP, downloadName: $name) }
}
"""

# name, file, declared type, file name, displayed (width, height)
TAGGED: list[tuple[str, Callable[[], bytes], str, str, tuple[int, int]]] = [
    ("gps-jpeg", tagged.gps_jpeg, "image/jpeg", "IMG_0001.jpg", (480, 640)),
    ("png-text-chunks", tagged.texted_png, "image/png", "scan.png", (300, 200)),
    ("webp-exif", tagged.exif_webp, "image/webp", "photo.webp", (320, 240)),
    ("phone-heic", tagged.phone_heic, "image/heic", "IMG_0002.HEIC", (480, 640)),
]
SERVED_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def renditions(api: Api, token: str, media_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.data(RENDITIONS, {"id": media_id}, token=token)["media"]
    return found


def upload_and_read(
    api: Api, token: str, data: bytes, *, content_type: str, filename: str
) -> dict[str, Any]:
    done = upload(api, token, data, content_type=content_type, filename=filename)
    return renditions(api, token, done["id"])


@pytest.mark.parametrize(
    "case", [pytest.param((d, c, f, s), id=name) for name, d, c, f, s in TAGGED]
)
def test_what_url_serves_carries_no_location(
    api: Api,
    user_token: str,
    stack: Stack,
    case: tuple[Callable[[], bytes], str, str, tuple[int, int]],
) -> None:
    # given a file carrying a GPS position, maker, serial, owner and XMP (IPTC/text chunks)
    make, content_type, filename, shown = case
    data = make()
    assert tagged.has_location(data)
    # when it is uploaded through the presigned POST and processed by the worker
    found = upload_and_read(api, user_token, data, content_type=content_type, filename=filename)
    assert found["status"] == "READY", found
    # then the bytes `url` serves, parsed back, carry none of it
    response = httpx.get(found["url"])
    assert response.status_code == 200
    served = response.content
    assert not tagged.has_location(served)
    with Image.open(io.BytesIO(served)) as image:
        image.load()
        # and the image keeps its colour profile and is shown the right way up
        assert image.info.get("icc_profile") == tagged.srgb_profile()
        upright = image.size if image.getexif().get(0x0112, 1) < 5 else image.size[::-1]
        assert upright == shown == (found["width"], found["height"])
        # HEIC is served as a JPEG (with orientation applied); the rest in their own format
        assert image.format == SERVED_FORMAT.get(content_type, "JPEG")
    assert response.headers["content-type"] == Image.MIME[image.format]


def test_the_raw_upload_is_gone_once_ready(api: Api, user_token: str, stack: Stack) -> None:
    # given a tagged JPEG processed to READY
    done = upload(api, user_token, tagged.gps_jpeg())
    item = stored_item(stack.settings, done["id"])
    # then the raw upload no longer exists, only its clean copy
    s3 = boto(stack.settings, "s3")
    listed = s3.list_objects_v2(Bucket=item["bucket"], Prefix=item["originalKey"])
    assert listed.get("KeyCount") == 0
    clean = s3.get_object(Bucket=item["bucket"], Key=item["cleanKey"])["Body"].read()
    assert not tagged.has_location(clean)


def test_thumbnails_in_every_format_decode_at_their_width_and_cache_for_a_year(
    api: Api, user_token: str
) -> None:
    # given a portrait phone photo (HEIC) processed to READY
    found = upload_and_read(
        api, user_token, tagged.phone_heic(), content_type="image/heic", filename="p.heic"
    )
    # when each thumbnail is fetched
    expected = {"j": ("JPEG", "image/jpeg"), "w": ("WEBP", "image/webp"),
                "a": ("AVIF", "image/avif")}  # fmt: skip
    for prefix, (fmt, mime) in expected.items():
        for width in (200, 400):
            response = httpx.get(found[f"{prefix}{width}"])
            # then it is that format at that width, typed and cached as immutable
            assert response.status_code == 200
            assert response.headers["content-type"] == mime
            assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
            with Image.open(io.BytesIO(response.content)) as image:
                image.load()
                assert (image.format, image.width) == (fmt, width)
                assert image.height == round(640 * width / 480)
                assert not tagged.has_location(response.content)


def test_the_placeholder_decodes_to_the_images_aspect_ratio(api: Api, user_token: str) -> None:
    # given a wide image (3:1) processed to READY
    wide = images.encode(images.photo_like(900, 300, seed=12), "PNG")
    found = upload_and_read(api, user_token, wide, content_type="image/png", filename="w.png")
    # then its placeholder is a few dozen bytes and decodes to a 3:1 image (within 20%:
    # ThumbHash keeps the ratio coarsely, in its number of DCT components)
    assert len(found["placeholder"]) < 64
    width, height, rgba = thumbhash.thumb_hash_to_rgba(base64.b64decode(found["placeholder"]))
    assert len(rgba) == width * height * 4
    assert abs((width / height) / 3 - 1) < 0.2
    assert found["dominantColor"].startswith("#") and len(found["dominantColor"]) == 7


def test_a_download_name_is_signed_into_the_url(api: Api, user_token: str) -> None:
    # given a READY image
    found = upload_and_read(
        api, user_token, tagged.gps_jpeg(), content_type="image/jpeg", filename="a.jpg"
    )
    # when the original and a thumbnail are fetched with a download name
    original = httpx.get(found["named"])
    thumbnail_url = api.data(
        NAMED_THUMBNAIL, {"id": found["id"], "name": "Überblick.webp"},
        token=user_token,
    )["media"]["thumbnailUrl"]  # fmt: skip
    thumbnail = httpx.get(thumbnail_url)
    # then S3 answers with an attachment under that name (UTF-8 form for non-ASCII)
    assert original.headers["content-disposition"] == (
        "attachment; filename=\"holiday photo.jpg\"; filename*=UTF-8''holiday%20photo.jpg"
    )
    disposition = thumbnail.headers["content-disposition"]
    assert unquote(disposition.split("UTF-8''")[1]) == "Überblick.webp"
    # and a name that is a path is refused
    bad = api.run(
        NAMED_THUMBNAIL, {"id": found["id"], "name": "../etc/passwd"},
        token=user_token,
    )  # fmt: skip
    assert error_codes(bad) == ["BAD_USER_INPUT"]


def test_a_truncated_heic_fails_with_a_reason_and_the_worker_goes_on(
    api: Api, user_token: str
) -> None:
    # given a phone HEIC cut off mid-upload
    cut = images.truncated(tagged.phone_heic(), keep=0.5)
    # when it is uploaded
    ticket = request_upload(
        api, user_token, filename="cut.heic", content_type="image/heic", size=len(cut)
    )
    post(ticket, cut, filename="cut.heic")
    failed = wait_final(api, user_token, ticket.media_id)
    # then it is FAILED with a reason, and nothing is served
    assert (failed["status"], failed["failureReason"]) == ("FAILED", "image is truncated")
    assert failed["url"] is None and failed["t200"] is None
    # and the worker is alive: the next upload is processed
    after = upload(api, user_token, tagged.phone_heic(), content_type="image/heic",
                   filename="whole.heic")  # fmt: skip
    assert after["status"] == "READY"
