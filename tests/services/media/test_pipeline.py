"""The processing step against the hostile corpus: every bad file ends FAILED with a reason a
person can read, and the worker carries on with the next upload."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.conftest import Stack
from tests.support.clients import Api, boto
from tests.support.factories import images
from tests.support.factories.media import (
    ready_image,
    request_upload,
    s3_event,
    stored_item,
    upload,
    wait_final,
)

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"

# name, bytes, declared content type, kind, words the reason must contain
BadFile = tuple[Callable[[], bytes], str, str, str]
BAD_FILES: list[tuple[str, Callable[[], bytes], str, str, str]] = [
    ("html-as-png", lambda: images.HTML, PNG, "IMAGE", "not an image"),
    ("svg-as-png", lambda: images.SVG, PNG, "IMAGE", "not an image"),
    ("zip-as-jpeg", images.zip_archive, JPEG, "IMAGE", "not an image"),
    ("pdf-as-jpeg", lambda: images.PDF, JPEG, "IMAGE", "wrong type"),
    ("jpeg-declared-png", lambda: images.photo_jpeg(64, 48), PNG, "IMAGE", "wrong type"),
    (
        "truncated-jpeg",
        lambda: images.truncated(images.photo_jpeg(800, 600)),
        JPEG,
        "IMAGE",
        "truncated",
    ),
    (
        "truncated-png",
        lambda: images.truncated(images.rgba_png(), keep=0.5),
        PNG,
        "IMAGE",
        "truncated",
    ),
    ("decompression-bomb", images.decompression_bomb_png, PNG, "IMAGE", "too large"),
    ("html-as-pdf", lambda: images.HTML, PDF, "DOCUMENT", "wrong type"),
    ("png-as-pdf", images.tiny, PDF, "DOCUMENT", "wrong type"),
]


@pytest.mark.parametrize(
    "case", [pytest.param((d, c, k, r), id=name) for name, d, c, k, r in BAD_FILES]
)
def test_a_bad_file_fails_with_a_readable_reason(api: Api, user_token: str, case: BadFile) -> None:
    # given a hostile or broken file declared as something it is not
    data, content_type, kind, reason = case
    body = data()
    # when it is uploaded through the presigned POST and processed
    done = upload(api, user_token, body, content_type=content_type, kind=kind, filename="x.bin")
    # then it is FAILED with a reason, and nothing can be downloaded
    assert done["status"] == "FAILED", done
    assert reason in done["failureReason"], done["failureReason"]
    assert (done["url"], done["t200"], done["t400"]) == (None, None, None)


def test_a_file_larger_than_declared_fails(api: Api, user_token: str) -> None:
    # given a client that declares fewer bytes than it sends (moto does not enforce policies)
    data = images.photo_jpeg(64, 64)
    # when it is processed
    done = upload(api, user_token, data, size=len(data) - 1)
    # then the difference is the reason
    assert done["status"] == "FAILED"
    assert (
        done["failureReason"] == f"the file has {len(data)} bytes but {len(data) - 1} were declared"
    )


def test_an_empty_file_fails(api: Api, user_token: str) -> None:
    # given an upload declared as 10 bytes that arrives empty
    # when it is processed
    done = upload(api, user_token, b"", size=10)
    # then it is FAILED as empty
    assert (done["status"], done["failureReason"]) == ("FAILED", "the file is empty")


def test_a_file_over_the_limit_fails_even_when_declared_small(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given an upload declared at the limit, then posted one byte larger
    limit = stack.settings.max_image_bytes
    data = images.photo_jpeg(32, 32) + b"\0" * (limit + 1)
    # when it is processed
    done = upload(api, user_token, data[: limit + 1], size=limit)
    # then it is too big
    assert done["status"] == "FAILED"
    assert done["failureReason"].startswith("file too big")


def test_the_worker_keeps_going_after_bad_files(api: Api, user_token: str, stack: Stack) -> None:
    # given a few bad uploads in a row
    for bad in (images.HTML, images.truncated(images.photo_jpeg(300, 200))):
        assert upload(api, user_token, bad)["status"] == "FAILED"
    # when a good image follows
    good = ready_image(api, user_token, seed=11)
    # then it is processed, and the worker is still running
    assert good["status"] == "READY"
    assert not stack.server.app.state.worker_task.done()


def test_odd_but_valid_images_are_ready(api: Api, user_token: str) -> None:
    # given a CMYK JPEG, a 16-bit PNG, an animated GIF and a 50 px PNG
    cases = [
        (images.cmyk_jpeg(), JPEG, 320),
        (images.png_16bit(), PNG, 512),
        (images.animated_gif(), "image/gif", 300),
        (images.tiny(), PNG, 50),
    ]
    for data, content_type, width in cases:
        # when each is uploaded
        done = upload(api, user_token, data, content_type=content_type)
        # then each is READY with its real width
        assert (done["status"], done["width"]) == ("READY", width), done


def test_an_upload_never_posted_fails_as_missing_when_an_event_names_it(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given a requested upload whose file never arrived
    ticket = request_upload(api, user_token, size=100)
    item = stored_item(stack.settings, ticket.media_id)
    # when an ObjectCreated event for its key reaches the queue anyway (the object was removed)
    sqs = boto(stack.settings, "sqs")
    url = sqs.get_queue_url(QueueName=stack.settings.queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=s3_event(item["bucket"], item["originalKey"]))
    done = wait_final(api, user_token, ticket.media_id)
    # then it is FAILED because the file is missing
    assert (done["status"], done["failureReason"]) == ("FAILED", "the uploaded file is missing")


# The rest of the hostile corpus, end to end through the presigned POST and the worker, each
# with its documented outcome (the unit-level checks are in test_thumbnails.py).
CORPUS: list[tuple[str, Callable[[], bytes], str, str, str | int]] = [
    # name, bytes, declared type, file name, expected: a FAILED reason fragment or READY width
    ("html-named-png", lambda: images.HTML, PNG, "evil.png", "not an image"),
    ("svg-named-png", lambda: images.SVG, PNG, "drawing.png", "not an image"),
    (
        "jpeg-zip-polyglot",
        lambda: images.photo_jpeg(320, 240, seed=8) + images.zip_archive(),
        JPEG,
        "poly.jpg",
        320,
    ),
    ("animated-webp", images.animated_webp, "image/webp", "anim.webp", 300),
    ("65000px-strip", images.wide_strip, PNG, "strip.png", 65_000),
]


@pytest.mark.parametrize(
    "case", [pytest.param((d, c, f, e), id=name) for name, d, c, f, e in CORPUS]
)
def test_the_rest_of_the_corpus_has_its_documented_outcome(
    api: Api, user_token: str, case: tuple[Callable[[], bytes], str, str, str | int]
) -> None:
    # given a file from the hostile corpus, with a name that says it is an image
    data, content_type, filename, expected = case
    body = data()
    # when it is uploaded and processed
    done = upload(api, user_token, body, content_type=content_type, filename=filename)
    # then it ends as documented: READY with its real width, or FAILED with a reason
    if isinstance(expected, int):
        assert (done["status"], done["width"]) == ("READY", expected), done
        assert done["t200"] and done["t400"]
    else:
        assert done["status"] == "FAILED", done
        assert expected in done["failureReason"]
        assert (done["url"], done["t200"], done["t400"]) == (None, None, None)


def test_a_polyglots_thumbnails_carry_no_payload(api: Api, user_token: str) -> None:
    # given a JPEG with a ZIP (holding HTML) appended
    body = images.photo_jpeg(320, 240, seed=9) + images.zip_archive()
    # when it is processed
    done = upload(api, user_token, body, filename="poly.jpg")
    # then the thumbnails are re-encoded images: the appended archive is gone
    for field in ("t200", "t400"):
        thumb = httpx.get(done[field]).content
        assert b"PK" not in thumb[-200:] and b"<script>" not in thumb
