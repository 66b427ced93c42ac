"""Persisted operations on the wire: Apollo's automatic persisted queries (APQ), GraphQL over
HTTP's `documentId`, and trusted documents (docs/frontend.md).

APQ: a request carries `extensions.persistedQuery = {"version": 1, "sha256Hash": h}`. Without
`query` the stored document of `h` runs, or the answer is `PersistedQueryNotFound` (code
PERSISTED_QUERY_NOT_FOUND), on which Apollo Client and urql send the request again with the
text; with `query`, sha256(query) must be `h` (else PERSISTED_QUERY_HASH_MISMATCH) and the
document is stored (services/persisted) and runs. A `documentId` (`sha256:<h>` or bare) is
looked up the same way.

Trusted documents (TRUSTED_DOCUMENTS): only the manifest's operations run, found by APQ hash,
`documentId` or the hash of a full query; anything else is OPERATION_NOT_TRUSTED and never
executes, and nothing is registered. The same holds on the WebSocket (graph/live/protocols.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate
from starlette.responses import Response

from graph.server.media_types import GRAPHQL_RESPONSE, negotiate
from services.persisted import (
    Documents,
    LocalDocuments,
    Manifest,
    ManifestError,
    document_hash,
    load_manifest,
)
from services.platform.aws import Aws

log = logging.getLogger("prework.persisted")

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
_HEX = re.compile(r"^[0-9a-f]{64}$")
# Apollo Client and urql recognise these by message as well as by code.
_MESSAGES = {NOT_FOUND: "PersistedQueryNotFound", NOT_SUPPORTED: "PersistedQueryNotSupported"}


class PersistedRefusal(Exception):
    """A persisted-operation request that cannot run; answered before any GraphQL work."""

    def __init__(self, status: int, code: str, message: str | None = None) -> None:
        super().__init__(message or _MESSAGES[code])
        self.status = status
        self.code = code
        self.message = message or _MESSAGES[code]

    def formatted(self, request_id: str | None) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if request_id:
            extensions["requestId"] = request_id
        return {"message": self.message, "extensions": extensions}


@dataclass
class PersistedOperations:
    """What a request's document is, given its text, extensions and `documentId`."""

    enabled: bool = True
    max_bytes: int = 64 * 1024
    documents: Documents = field(default_factory=lambda: LocalDocuments(size=1))
    trusted: Manifest | None = None

    async def resolve(
        self, *, query: object, extensions: object, document_id: object
    ) -> str | None:
        """The document to run (None: the request names none, GraphQL refuses it as usual),
        or a PersistedRefusal."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        digest = _apq_hash(persisted) if persisted is not None else None
        text = query if isinstance(query, str) else None
        if document_id is not None and (not isinstance(document_id, str) or not document_id):
            raise PersistedRefusal(400, "BAD_REQUEST", "`documentId` must be a non-empty string")
        if digest is not None and text is not None and document_hash(text) != digest:
            raise PersistedRefusal(
                400,
                "PERSISTED_QUERY_HASH_MISMATCH",
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of `query`",
            )
        if self.trusted is not None:
            return self._trusted(self.trusted, text, digest, document_id)
        if document_id is not None:
            return await self._stored(document_id.removeprefix("sha256:"))
        if digest is None:
            return text
        if not self.enabled:
            raise PersistedRefusal(400, NOT_SUPPORTED)
        if text is None:
            return await self._stored(digest)
        # Larger documents run but are not kept: the store stays bounded in bytes too.
        if len(text.encode()) <= self.max_bytes:
            await self.documents.put(digest, text)
        return text

    async def _stored(self, digest: str) -> str:
        found = await self.documents.get(digest) if _HEX.fullmatch(digest) else None
        if found is None:
            raise PersistedRefusal(404, NOT_FOUND)
        return found

    @staticmethod
    def _trusted(
        manifest: Manifest, text: str | None, digest: str | None, document_id: str | None
    ) -> str | None:
        if document_id is not None:
            found = manifest.find(document_id)
        elif digest is not None:
            found = manifest.find(digest)
        elif text is not None:
            found = manifest.find(document_hash(text))
        else:
            return None
        if found is None:
            raise PersistedRefusal(
                403,
                "OPERATION_NOT_TRUSTED",
                "only the operations of the trusted documents manifest run on this API; "
                "add this one to the client's manifest and deploy it",
            )
        return found


def _apq_hash(persisted: object) -> str:
    if not isinstance(persisted, dict):
        raise PersistedRefusal(400, "BAD_REQUEST", "extensions.persistedQuery must be an object")
    if persisted.get("version") != 1:
        raise PersistedRefusal(
            400,
            "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            f"persisted query version {persisted.get('version')!r} is not supported (only 1)",
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HEX.fullmatch(digest):
        raise PersistedRefusal(
            400,
            "BAD_REQUEST",
            "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits",
        )
    return digest


def refusal_response(
    refusal: PersistedRefusal, *, accept: str | None, request_id: str | None
) -> Response:
    """The refusal as a GraphQL response. Under `application/json` the APQ signals
    (not found, not supported) are 200s, as Apollo Server sends them and every Apollo Client
    and urql version reads them; under `application/graphql-response+json` they keep their
    4xx (a request error), which GraphQL-over-HTTP clients parse as a GraphQL response."""
    media = negotiate(accept)
    status = refusal.status
    if media != GRAPHQL_RESPONSE and refusal.code in _MESSAGES:
        status = 200
    # No caching or request-id headers here: the view's `with_cache_headers` makes every
    # refusal `no-store`, and RequestLog puts X-Request-Id on every response.
    return Response(
        orjson.dumps({"errors": [refusal.formatted(request_id)]}),
        status_code=status,
        media_type=f"{media}; charset=utf-8",
    )


def manifest_problems(schema: GraphQLSchema, manifest: Manifest) -> list[str]:
    """What is wrong with each operation of a manifest: its id is not the SHA-256 of its body,
    the body does not parse or validate against `schema`, or its stated name or type is not
    the document's. Empty when every operation can run."""
    problems = []
    for op in manifest.operations:
        try:
            document = parse(op.body)
        except GraphQLError as error:
            problems.append(f"{op.name or op.id}: {error.message}")
            continue
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        name = operations[0].name.value if len(operations) == 1 and operations[0].name else None
        label = op.name or name or op.id  # Codegen's manifest names nothing: the body does
        if op.id.removeprefix("sha256:") != op.digest:
            problems.append(f"{label}: id {op.id} is not the SHA-256 of its body ({op.digest})")
        problems.extend(f"{label}: {error.message}" for error in validate(schema, document))
        if len(operations) != 1:
            problems.append(f"{label}: holds {len(operations)} operations, not one")
            continue
        kind = operations[0].operation.value
        if op.name is not None and op.name != name:
            problems.append(f"{label}: named {op.name!r} in the manifest, {name!r} in its body")
        if op.type is not None and op.type != kind:
            problems.append(f"{label}: a {op.type} in the manifest, a {kind} in its body")
    return problems


async def trusted_manifest(*, aws: Aws, source: str, schema: GraphQLSchema) -> Manifest:
    """The trusted documents at start: read, parsed and every operation checked against the
    schema; any problem stops the start (ManifestError), not the first request."""
    manifest = await load_manifest(aws=aws, source=source)
    problems = manifest_problems(schema, manifest)
    if problems:
        listed = "\n  ".join(problems)
        raise ManifestError(f"{source}: {len(problems)} problem(s):\n  {listed}")
    log.info("trusted documents: %d operations from %s", len(manifest), source)
    return manifest
