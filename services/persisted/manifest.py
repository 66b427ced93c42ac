"""Trusted documents: the manifest of the only operations the API runs when TRUSTED_DOCUMENTS
is set, read once at start from a file or `s3://bucket/key`.

Two JSON formats, as the client tool chains write them:

- GraphQL Codegen's client preset (`persistedDocuments: true`), `persisted-documents.json`:
  `{"<hash>": "<document>", ...}`;
- Apollo's `generate-persisted-query-manifest`, `persisted-query-manifest.json`:
  `{"format": "apollo-persisted-query-manifest", "version": 1,
    "operations": [{"id", "name", "type", "body"}, ...]}`.

An operation is found by its id or by the SHA-256 of its body (what an APQ hash or a full
query hashes to). A manifest that is not one of these shapes, or is empty, is refused here, so
a bad deployment fails at start (`prework check-documents` also checks each body against the
schema and each id against its body's hash).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from services.persisted.documents import document_hash
from services.platform.aws import Aws

APOLLO_FORMAT = "apollo-persisted-query-manifest"
_TYPES = ("query", "mutation", "subscription")


class ManifestError(ValueError):
    """The manifest cannot be read or is not a persisted-documents manifest."""


@dataclass(frozen=True)
class ManifestOperation:
    id: str
    body: str
    name: str | None = None
    type: str | None = None

    @property
    def digest(self) -> str:
        return document_hash(self.body)


@dataclass(frozen=True)
class Manifest:
    source: str
    operations: tuple[ManifestOperation, ...]
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {op.digest: op.body for op in self.operations}
        by_key.update({op.id: op.body for op in self.operations})
        object.__setattr__(self, "_by_key", by_key)

    def __len__(self) -> int:
        return len(self.operations)

    def find(self, key: str) -> str | None:
        """The document of an id (bare or `sha256:`-prefixed) or of a body's hash, if listed."""
        return self._by_key.get(key.removeprefix("sha256:"))


def parse_manifest(raw: bytes, *, source: str) -> Manifest:
    """A manifest from its JSON text, in either format."""
    try:
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ManifestError(f"{source}: not JSON ({error})") from error
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: expected a JSON object")
    operations = _apollo(data, source) if "format" in data else _codegen(data, source)
    if not operations:
        raise ManifestError(f"{source}: no operations (every request would be refused)")
    seen: dict[str, str] = {}
    for op in operations:
        if seen.setdefault(op.id, op.body) != op.body:
            raise ManifestError(f"{source}: id {op.id!r} names two different documents")
    return Manifest(source=source, operations=tuple(operations))


def _codegen(data: dict[str, Any], source: str) -> list[ManifestOperation]:
    operations = []
    for key, body in data.items():
        if not key or not isinstance(body, str) or not body.strip():
            raise ManifestError(f"{source}: entry {key!r} must map an id to a document's text")
        operations.append(ManifestOperation(id=key, body=body))
    return operations


def _apollo(data: dict[str, Any], source: str) -> list[ManifestOperation]:
    if data.get("format") != APOLLO_FORMAT or data.get("version") != 1:
        raise ManifestError(
            f"{source}: unknown format {data.get('format')!r} version {data.get('version')!r}"
            f" (expected {APOLLO_FORMAT!r} version 1)"
        )
    entries = data.get("operations")
    if not isinstance(entries, list):
        raise ManifestError(f"{source}: `operations` must be a list")
    operations = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ManifestError(f"{source}: operation #{number} is not an object")
        op_id, body = entry.get("id"), entry.get("body")
        name, kind = entry.get("name"), entry.get("type")
        if not isinstance(op_id, str) or not op_id or not isinstance(body, str) or not body:
            raise ManifestError(f"{source}: operation #{number} needs a string `id` and `body`")
        if not isinstance(name, str | None) or kind not in (*_TYPES, None):
            raise ManifestError(
                f"{source}: operation {op_id!r}: `name` must be a string and `type` one of"
                f" {', '.join(_TYPES)}"
            )
        operations.append(ManifestOperation(id=op_id, body=body, name=name, type=kind))
    return operations


async def load_manifest(*, source: str, aws: Aws | None = None) -> Manifest:
    """Read and parse the manifest at a path or `s3://bucket/key` (read with `aws`)."""
    if source.startswith("s3://"):
        bucket, _, key = source.removeprefix("s3://").partition("/")
        if aws is None:
            raise ManifestError(f"{source}: reading from S3 needs the AWS clients")
        try:
            answer = await aws.s3.get_object(Bucket=bucket, Key=key)
            async with answer["Body"] as stream:
                raw = await stream.read()
        except Exception as error:
            raise ManifestError(f"{source}: cannot read it ({error})") from error
    else:
        try:
            raw = await asyncio.to_thread(Path(source).read_bytes)
        except OSError as error:
            raise ManifestError(f"{source}: cannot read it ({error})") from error
    return parse_manifest(raw, source=source)
