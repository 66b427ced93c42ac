"""Persisted operations: the automatic-persisted-query store (documents by their SHA-256, in
this process or shared through Redis) and the trusted-documents manifest (the only operations
a production API runs when TRUSTED_DOCUMENTS is set)."""

from services.persisted.documents import (
    Documents,
    LocalDocuments,
    RedisDocuments,
    document_hash,
    documents_for,
)
from services.persisted.manifest import (
    Manifest,
    ManifestError,
    ManifestOperation,
    load_manifest,
    parse_manifest,
)

__all__ = [
    "Documents",
    "LocalDocuments",
    "Manifest",
    "ManifestError",
    "ManifestOperation",
    "RedisDocuments",
    "document_hash",
    "documents_for",
    "load_manifest",
    "parse_manifest",
]
