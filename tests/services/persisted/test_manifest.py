"""Trusted-documents manifests: both formats read from a file or S3 (the moto server), each
operation found by id or by its body's hash; anything that is not a manifest is refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from services.persisted import ManifestError, load_manifest, parse_manifest
from services.platform.aws import Aws
from services.platform.settings import Settings
from tests.support.clients import boto
from tests.support.factories.documents import (
    apollo_manifest,
    codegen_manifest,
    sha256,
    write_manifest,
)

ME = "query Me { me { id email } }"
STATUS = "subscription Status { submissionStatusChanged { id status } }"


def test_a_codegen_manifest_finds_operations_by_id_and_by_hash(tmp_path: Path) -> None:
    # given Codegen's persisted-documents.json with two operations, one under a custom id
    raw = {**codegen_manifest(ME), "custom-id": STATUS}
    path = write_manifest(tmp_path / "persisted-documents.json", raw)
    # when it is loaded
    manifest = asyncio.run(load_manifest(source=str(path)))
    # then each operation is found by its id (bare or sha256:-prefixed) and by its hash
    assert len(manifest) == 2
    assert manifest.find(sha256(ME)) == ME
    assert manifest.find(f"sha256:{sha256(ME)}") == ME
    assert manifest.find("custom-id") == STATUS
    assert manifest.find(sha256(STATUS)) == STATUS
    assert manifest.find(sha256("{ users { totalCount } }")) is None


def test_an_apollo_manifest_keeps_names_and_types() -> None:
    # given Apollo's persisted-query-manifest.json
    raw = json.dumps(apollo_manifest(ME, STATUS)).encode()
    # when it is parsed
    manifest = parse_manifest(raw, source="apollo.json")
    # then its operations keep their name and type
    assert [(op.name, op.type) for op in manifest.operations] == [
        ("Me", "query"),
        ("Status", "subscription"),
    ]
    assert manifest.find(sha256(STATUS)) == STATUS


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"not json", "not JSON"),
        (b"[]", "expected a JSON object"),
        (b"{}", "no operations"),
        (b'{"abc": 3}', "must map an id"),
        (b'{"format": "apollo-persisted-query-manifest", "version": 2}', "version 2"),
        (b'{"format": "apollo-persisted-query-manifest", "version": 1}', "must be a list"),
        (
            b'{"format": "apollo-persisted-query-manifest", "version": 1,'
            b' "operations": [{"id": "x"}]}',
            "needs a string `id` and `body`",
        ),
        (
            b'{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ['
            b'{"id": "x", "body": "{ a }"}, {"id": "x", "body": "{ b }"}]}',
            "two different documents",
        ),
    ],
)
def test_what_is_not_a_manifest_is_refused(raw: bytes, says: str) -> None:
    # when a malformed manifest is parsed
    with pytest.raises(ManifestError) as refused:
        parse_manifest(raw, source="bad.json")
    # then the error names the file and the problem
    assert "bad.json" in str(refused.value)
    assert says in str(refused.value)


def test_a_manifest_is_read_from_s3(settings: Settings) -> None:
    # given a manifest uploaded to a bucket of the moto server
    s3 = boto(settings, "s3")
    key = "manifests/persisted-query-manifest.json"
    s3.put_object(
        Bucket=settings.documents_bucket_name, Key=key, Body=json.dumps(apollo_manifest(ME))
    )

    async def load(source: str) -> int:
        async with Aws(settings) as aws:
            return len(await load_manifest(aws=aws, source=source))

    # when it is loaded by its s3:// address
    # then its operation is there, and a missing object is a clear error
    assert asyncio.run(load(f"s3://{settings.documents_bucket_name}/{key}")) == 1
    with pytest.raises(ManifestError, match="cannot read it"):
        asyncio.run(load(f"s3://{settings.documents_bucket_name}/missing.json"))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read it"):
        asyncio.run(load_manifest(source=str(tmp_path / "none.json")))
