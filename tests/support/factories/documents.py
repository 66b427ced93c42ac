"""Factories for trusted-documents manifests in both formats the API reads: GraphQL Codegen's
client preset (`persisted-documents.json`) and Apollo's `persisted-query-manifest.json`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from graphql import OperationDefinitionNode, parse


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def codegen_manifest(*documents: str) -> dict[str, str]:
    """`{"<sha256>": "<document>"}`, as `persistedDocuments: true` writes it."""
    return {sha256(document): document for document in documents}


def apollo_manifest(*documents: str) -> dict[str, Any]:
    """Apollo's manifest: id, name, type and body of each operation."""
    operations = []
    for document in documents:
        operation = next(
            d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
        )
        operations.append(
            {
                "id": sha256(document),
                "name": operation.name.value if operation.name else None,
                "type": operation.operation.value,
                "body": document,
            }
        )
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}


def write_manifest(path: Path, manifest: dict[str, Any]) -> Path:
    path.write_text(json.dumps(manifest, indent=2))
    return path
