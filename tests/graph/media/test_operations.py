"""Uploads end to end over real HTTP: requestUpload → presigned POST to S3 → S3 event → SQS →
the worker in the server → READY with thumbnails; plus input checks, completeUpload, delete
and who may see what."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.support.clients import Api, CallLog, boto, error_codes
from tests.support.factories import images
from tests.support.factories.media import (
    MEDIA,
    open_image,
    ready_image,
    request_upload,
    stored_item,
    upload,
    wait_final,
    wait_for,
)
from tests.support.factories.media import media as read_media
from tests.support.factories.media import post_file as post

REQUEST_UPLOAD = """
mutation Request($input: RequestUploadInput!) {
  requestUpload(input: $input) { media { id status kind } url fields expiresAt }
}
"""
COMPLETE = "mutation Complete($id: ID!) { completeUpload(mediaId: $id) { id status version } }"
DELETE = "mutation Delete($id: ID!) { deleteMedia(id: $id) }"
THUMB = "query Thumb($id: ID!, $w: Int!) { media(id: $id) { thumbnailUrl(width: $w) } }"
CREATE_SUBMISSION = "mutation New($t: String!) { createSubmission(input: {title: $t}) { id } }"
SUBMISSION_MEDIA = """
query SubmissionMedia($id: ID!) {
  submission(id: $id) {
    media(first: 10) { edges { node { id status submission { id } owner { email } } } }
  }
}
"""


def _input(**overrides: Any) -> dict[str, Any]:
    base = {"filename": "photo.jpg", "contentType": "image/jpeg", "size": 1000, "kind": "IMAGE"}
    return {"input": {**base, **overrides}}


def test_an_uploaded_photo_becomes_ready_with_both_thumbnails(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given a 1200 x 900 JPEG taken with the camera turned (EXIF orientation 6: shown 900 x 1200)
    data = images.photo_jpeg(1200, 900, orientation=6)
    ticket = request_upload(api, user_token, filename="holiday café.jpg", size=len(data))
    assert read_media(api, user_token, ticket.media_id)["status"] == "PENDING_UPLOAD"  # type: ignore[index]

    # when the client posts it to S3 and the worker picks up the event
    post(ticket, data, filename="holiday café.jpg")
    done = wait_final(api, user_token, ticket.media_id)

    # then it is READY with its displayed size and 200/400 px thumbnails behind presigned GETs
    assert done["status"] == "READY", done
    assert (done["width"], done["height"], done["size"]) == (900, 1200, len(data))
    assert done["filename"] == "holiday café.jpg"
    assert done["failureReason"] is None
    assert httpx.get(done["url"]).content == data
    for field, width in (("t200", 200), ("t400", 400)):
        thumb = open_image(httpx.get(done[field]).content)
        assert thumb.format == "JPEG"
        assert thumb.size == (width, round(1200 * width / 900))
    # and the keys follow seed 001
    item = stored_item(stack.settings, ticket.media_id)
    assert item["originalKey"].startswith(f"uploads/{item['userId']}/")
    assert item["originalKey"].endswith("-holiday-café.jpg")
    rest = item["originalKey"].split("/", 2)[2]
    assert (item["thumb200Key"], item["thumb400Key"]) == (
        f"thumbnails/200/{rest}",
        f"thumbnails/400/{rest}",
    )


def test_the_presigned_post_pins_key_type_and_size_without_calling_s3(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given the server's AWS calls are being recorded
    log = CallLog()
    stack.runtime.aws.listeners.append(log)
    try:
        # when an upload is requested
        body = api.data(REQUEST_UPLOAD, _input(size=1234), token=user_token)["requestUpload"]
    finally:
        stack.runtime.aws.listeners.remove(log)

    # then the ticket was signed locally: no S3 request at all
    assert [c for c in log.calls if c.service == "s3"] == []
    assert log.count("TransactWriteItems") == 1  # the item and its audit entry, together
    assert body["media"]["status"] == "PENDING_UPLOAD"
    fields = body["fields"]
    assert fields["key"].startswith("uploads/") and fields["key"].endswith("-photo.jpg")
    assert fields["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": fields["key"]} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, stack.settings.max_image_bytes] in conditions
    assert body["url"].endswith(f"/{stack.settings.media_bucket_name}")


def test_documents_go_to_the_documents_bucket_and_become_ready_without_thumbnails(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given a PDF
    # when it is uploaded as a DOCUMENT
    done = upload(
        api,
        user_token,
        images.PDF,
        filename="report.pdf",
        content_type="application/pdf",
        kind="DOCUMENT",
    )
    # then it is READY, downloadable, without thumbnails, from the documents bucket
    assert done["status"] == "READY" and done["kind"] == "DOCUMENT"
    assert (done["t200"], done["t400"], done["width"]) == (None, None, None)
    assert httpx.get(done["url"]).content == images.PDF
    assert stored_item(stack.settings, done["id"])["bucket"] == stack.settings.documents_bucket_name


BAD_INPUTS = [
    pytest.param({"contentType": "image/svg+xml"}, id="svg"),
    pytest.param({"contentType": "text/html"}, id="html"),
    pytest.param({"contentType": "application/pdf"}, id="pdf-as-image"),
    pytest.param({"contentType": "image/png", "kind": "DOCUMENT"}, id="image-as-document"),
    pytest.param({"size": 0}, id="size-zero"),
    pytest.param({"size": -5}, id="size-negative"),
    pytest.param({"size": 20 * 1024 * 1024 + 1}, id="image-over-20MiB"),
    pytest.param(
        {"size": 50 * 1024 * 1024 + 1, "contentType": "application/pdf", "kind": "DOCUMENT"},
        id="document-over-50MiB",
    ),
    pytest.param({"filename": ""}, id="empty-name"),
    pytest.param({"filename": "   "}, id="blank-name"),
    pytest.param({"filename": "../../etc/passwd.jpg"}, id="traversal"),
    pytest.param({"filename": "dir/photo.jpg"}, id="slash"),
    pytest.param({"filename": "dir\\photo.jpg"}, id="backslash"),
    pytest.param({"filename": "C:photo.jpg"}, id="drive"),
    pytest.param({"filename": ".."}, id="dotdot"),
    pytest.param({"filename": "photo\x00.jpg"}, id="nul"),
    pytest.param({"filename": "photo\n.jpg"}, id="newline"),
    pytest.param({"filename": "invoice\u202egpj.exe"}, id="rtl-override"),
    pytest.param({"filename": "a" * 252 + ".jpg"}, id="256-chars"),
    pytest.param({"filename": "a" * 296 + ".jpg"}, id="300-chars"),
    pytest.param({"filename": "photo\u200f.jpg"}, id="rtl-mark"),
    pytest.param({"submissionId": "no-such-submission"}, id="unknown-submission"),
]


@pytest.mark.parametrize("overrides", BAD_INPUTS)
def test_bad_upload_requests_are_refused_before_any_url(
    api: Api, user_token: str, overrides: dict[str, Any]
) -> None:
    # given a request with one bad part
    # when it is sent
    body = api.run(REQUEST_UPLOAD, _input(**overrides), token=user_token)
    # then nothing is issued
    assert body["data"] is None
    assert error_codes(body) == [
        "NOT_FOUND" if "submissionId" in overrides else "BAD_USER_INPUT"
    ], body


def test_a_255_character_name_is_fine(api: Api, user_token: str) -> None:
    # given the longest allowed file name
    # when an upload is requested
    body = api.run(REQUEST_UPLOAD, _input(filename="a" * 251 + ".jpg"), token=user_token)
    # then a ticket comes back
    assert not body.get("errors"), body
    assert len(body["data"]["requestUpload"]["fields"]["key"]) < 250


def test_complete_upload_is_harmless_before_during_and_after_processing(
    api: Api, user_token: str
) -> None:
    # given a requested upload whose file has not been posted yet
    data = images.photo_jpeg(320, 240, seed=3)
    ticket = request_upload(api, user_token, size=len(data))
    # when completeUpload is called too early
    early = api.run(COMPLETE, {"id": ticket.media_id}, token=user_token)
    # then it is refused and nothing changes
    assert error_codes(early) == ["BAD_USER_INPUT"]
    assert read_media(api, user_token, ticket.media_id)["status"] == "PENDING_UPLOAD"  # type: ignore[index]

    # when the file is posted and completeUpload races the S3 event's worker
    post(ticket, data)
    first = api.data(COMPLETE, {"id": ticket.media_id}, token=user_token)["completeUpload"]
    assert first["status"] in ("PROCESSING", "READY")
    done = wait_final(api, user_token, ticket.media_id)

    # then it ends READY once, and calling again changes nothing
    assert done["status"] == "READY"
    again = api.data(COMPLETE, {"id": ticket.media_id}, token=user_token)["completeUpload"]
    twice = api.data(COMPLETE, {"id": ticket.media_id}, token=user_token)["completeUpload"]
    assert again == twice == {"id": ticket.media_id, "status": "READY", "version": done["version"]}


def test_thumbnail_widths_other_than_200_and_400_are_refused(api: Api, user_token: str) -> None:
    # given a READY image
    image = ready_image(api, user_token, seed=4)
    # when a 300 px thumbnail is asked for
    body = api.run(THUMB, {"id": image["id"], "w": 300}, token=user_token)
    # then it is a bad input
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_urls_are_null_until_ready(api: Api, user_token: str) -> None:
    # given a requested, not yet uploaded image
    ticket = request_upload(api, user_token, size=10)
    # when it is read
    found = read_media(api, user_token, ticket.media_id)
    # then there is nothing to download yet
    assert found is not None
    assert (found["url"], found["t200"], found["t400"]) == (None, None, None)


def test_delete_media_removes_the_item_and_all_its_objects(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given a READY image with its clean original and thumbnails in S3
    image = ready_image(api, user_token, seed=5)
    item = stored_item(stack.settings, image["id"])
    s3 = boto(stack.settings, "s3")
    thumbs = stack.settings.thumbnails_bucket_name
    objects = [
        (item["bucket"], item["cleanKey"]),
        *((thumbs, item[f"thumb{width}Key"] + ext) for width in (200, 400)
          for ext in ("", ".webp", ".avif")),
    ]  # fmt: skip
    for bucket, key in objects:
        s3.head_object(Bucket=bucket, Key=key)

    # when its owner deletes it
    assert api.data(DELETE, {"id": image["id"]}, token=user_token) == {"deleteMedia": True}

    # then the item and every object are gone, and the deletion is audited
    assert read_media(api, user_token, image["id"]) is None
    for bucket, key in objects:
        assert s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount") == 0
    audit = api.data(
        "query A($id: ID!) { auditLog(entityId: $id) { edges { node { action } } } }",
        {"id": image["id"]},
        token=user_token,
    )
    actions = {e["node"]["action"] for e in audit["auditLog"]["edges"]}
    assert {"CREATE", "PROCESS", "PROCESSED", "DELETE"} <= actions


def test_submission_media_lists_the_uploads_attached_to_it(api: Api, user_token: str) -> None:
    # given a submission with two images attached
    submission = api.data(CREATE_SUBMISSION, {"t": "with photos"}, token=user_token)
    submission_id = sid = submission["createSubmission"]["id"]
    attached = [
        upload(api, user_token, images.tiny(), content_type="image/png", submission_id=sid)
        for _ in range(2)
    ]
    ids = {m["id"] for m in attached}
    # when the submission's media are listed
    data = api.data(SUBMISSION_MEDIA, {"id": submission_id}, token=user_token)
    # then both come back, linked to the submission and their owner
    nodes = [e["node"] for e in data["submission"]["media"]["edges"]]
    assert {n["id"] for n in nodes} == ids
    assert all(n["submission"]["id"] == submission_id for n in nodes)
    assert all(n["owner"]["email"] == "user@example.com" for n in nodes)


class TestWhoMaySee:
    def test_a_manager_reads_their_team_members_media(
        self, api: Api, user_token: str, manager_token: str
    ) -> None:
        # given an image of a team member
        image = ready_image(api, user_token, seed=6)
        # when their manager reads it
        found = read_media(api, manager_token, image["id"])
        # then it is visible with its URLs
        assert found is not None and found["url"]

    def test_a_user_cannot_read_or_delete_someone_elses_media(
        self, api: Api, user_token: str, manager_token: str
    ) -> None:
        # given an upload of the manager's
        ticket = request_upload(api, manager_token, size=10)
        # when their team member tries to read, complete or delete it
        reads = api.run(MEDIA, {"id": ticket.media_id}, token=user_token)
        completes = api.run(COMPLETE, {"id": ticket.media_id}, token=user_token)
        deletes = api.run(DELETE, {"id": ticket.media_id}, token=user_token)
        # then every attempt is forbidden
        assert error_codes(reads) == error_codes(completes) == error_codes(deletes) == ["FORBIDDEN"]

    def test_a_manager_may_read_but_not_delete_a_team_members_media(
        self, api: Api, user_token: str, manager_token: str
    ) -> None:
        # given a team member's upload
        ticket = request_upload(api, user_token, size=10)
        # when the manager tries to delete it
        body = api.run(DELETE, {"id": ticket.media_id}, token=manager_token)
        # then only the owner or an admin may
        assert error_codes(body) == ["FORBIDDEN"]

    def test_an_admin_reads_and_deletes_anyones_media(
        self, api: Api, manager_token: str, admin_token: str
    ) -> None:
        # given the manager's upload
        ticket = request_upload(api, manager_token, size=10)
        # when an admin reads and deletes it
        found = read_media(api, admin_token, ticket.media_id)
        deleted = api.data(DELETE, {"id": ticket.media_id}, token=admin_token)
        # then both work
        assert found is not None and deleted == {"deleteMedia": True}

    def test_uploads_attach_only_to_the_callers_own_submissions(
        self, api: Api, user_token: str, manager_token: str
    ) -> None:
        # given the manager's submission
        submission = api.data(CREATE_SUBMISSION, {"t": "mine"}, token=manager_token)
        submission_id = submission["createSubmission"]["id"]
        # when their team member attaches an upload to it
        body = api.run(REQUEST_UPLOAD, _input(submissionId=submission_id), token=user_token)
        # then it is refused
        assert error_codes(body) == ["FORBIDDEN"]

    def test_anonymous_callers_get_nothing(self, api: Api) -> None:
        # given no token
        # when an upload is requested
        body = api.run(REQUEST_UPLOAD, _input())
        # then they must sign in
        assert error_codes(body) == ["UNAUTHENTICATED"]


def test_waiting_helper_fails_when_nothing_happens() -> None:
    # given a condition that never holds
    # when waiting for it briefly
    # then the wait fails instead of passing silently
    with pytest.raises(AssertionError):
        wait_for(lambda: None, timeout=0.1, what="nothing")
