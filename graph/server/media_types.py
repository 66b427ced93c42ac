"""GraphQL over HTTP media types: `application/graphql-response+json` when the client's
Accept header prefers it, `application/json` otherwise (and for every existing client).

Under `application/graphql-response+json` a request error — the document does not parse or
validate, a variable does not coerce, or the operation is refused before it runs (cost,
budget) — is a 4xx without a `data` entry (the spec's watershed); under `application/json`
it stays a 200 with `data: null`, as before.
"""

from __future__ import annotations

from typing import Any

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str:
    """The media type to answer with: the supported one the client ranks higher (q, then
    order); `application/json` when it names neither."""
    best, best_q = JSON, -1.0
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if media not in (GRAPHQL_RESPONSE, JSON):
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q and q > 0:
            best, best_q = media, q
    return best


def request_error(body: dict[str, Any]) -> bool:
    """Whether a response body reports a request error: errors, no data, and no error tied
    to a field (field errors carry a `path`)."""
    errors = body.get("errors") or []
    return bool(errors) and body.get("data") is None and all("path" not in e for e in errors)
