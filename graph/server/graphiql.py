"""GraphiQL at /graphql (not in production), with a Cognito sign-in panel, on closed networks.

The page (graphiql.html) loads React, GraphiQL and the explorer plugin, exactly the files and
sha384 hashes Strawberry's own GraphiQL page names on its CDN (unpkg). `make graphiql` (scripts/
vendor-graphiql.py) fetches those files from the npm registry into `ASSET_DIR`; when all are
present they are loaded from `ASSET_ROUTE`, hashes kept, so the page needs no internet.
Otherwise they come from the CDN.

Our own script and style (static/graphiql-signin/, served at `SIGNIN_ROUTE`) add the sign-in
panel: the browser calls Cognito's InitiateAuth itself with the pool's app client, so the API
never sees a password. The page's Content-Security-Policy lets it connect only to this origin
and that Cognito endpoint.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from strawberry.http.ides import get_graphql_ide_html

from services.local.demo import PEOPLE
from services.platform.settings import Settings

CDN = "https://unpkg.com/"
HERE = Path(__file__).resolve().parent
ASSET_ROUTE = "/graphiql-assets"
ASSET_DIR = HERE / "static" / "graphiql"
SIGNIN_ROUTE = "/graphiql-signin"
SIGNIN_DIR = HERE / "static" / "graphiql-signin"
TEMPLATE = HERE / "graphiql.html"
# Strawberry's page loads it to send Django's CSRF cookie; this API takes no cookies.
_UNUSED = frozenset({"js-cookie"})

# src="https://unpkg.com/<package>@<version>/<path>" followed by its integrity attribute
_ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/@"]+/)?[^/@"]+)@(?P<version>[^/"]+)'
    r'/(?P<path>[^"]+)"\s+integrity="(?P<integrity>[^"]+)"'
)


@dataclass(frozen=True)
class Asset:
    """One file the GraphiQL page loads: npm package, version, path inside it, SRI hash."""

    package: str
    version: str
    path: str
    integrity: str

    @property
    def relative(self) -> Path:
        """Where it lives under `ASSET_DIR` (mirrors the CDN's URL layout)."""
        return Path(f"{self.package}@{self.version}") / self.path


@dataclass(frozen=True)
class GraphiQLPage:
    """The HTML to serve, its Content-Security-Policy, and whether it needs no CDN."""

    html: str
    content_security_policy: str
    offline: bool

    @property
    def headers(self) -> dict[str, str]:
        # no-store: on the local stack the page holds the demo password
        return {
            "Content-Security-Policy": self.content_security_policy,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }


def cdn_page() -> str:
    """Strawberry's GraphiQL page, as shipped: the list of files (and hashes) to load."""
    return get_graphql_ide_html("graphiql")


def assets(page: str | None = None) -> list[Asset]:
    """Every CDN file Strawberry's page loads."""
    return [Asset(**m.groupdict()) for m in _ASSET.finditer(page or cdn_page())]


def signin_config(settings: Settings, *, local_stack: bool) -> dict[str, object]:
    """What the page's script is told: Cognito's endpoint and the pool's app client (none
    configured: no sign-in, paste a token) and, on the embedded local stack only, the demo
    people and their password (which `make run` prints anyway)."""
    cognito = None
    if settings.cognito_client_id:
        cognito = {
            "endpoint": f"{settings.cognito_base_url}/",
            "clientId": settings.cognito_client_id,
            "region": settings.aws_region,
        }
    demo = None
    if local_stack and settings.env != "production":
        demo = {
            "password": settings.demo_password,
            "people": [
                {
                    "email": person.email,
                    "name": f"{person.profile.first_name} {person.profile.last_name}",
                    "role": person.role.value,
                }
                for person in PEOPLE
            ],
        }
    return {"cognito": cognito, "demo": demo}


def content_security_policy(*, cognito_endpoint: str | None, offline: bool) -> str:
    """Scripts and styles from this origin (and the CDN when not vendored); connections to this
    origin (HTTP and its WebSocket) and to the one Cognito endpoint, nothing else."""
    cdn = "" if offline else f" {CDN.rstrip('/')}"
    connect = "'self'"
    if cognito_endpoint:
        parts = urlsplit(cognito_endpoint)
        connect += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self'{cdn}",
            # GraphiQL and CodeMirror set style attributes
            f"style-src 'self' 'unsafe-inline'{cdn}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _tag(asset: Asset, base: str) -> str:
    url = html.escape(f"{base}/{asset.relative.as_posix()}")
    integrity = html.escape(asset.integrity)
    if asset.path.endswith(".css"):
        return f'<link rel="stylesheet" crossorigin href="{url}" integrity="{integrity}" />'
    return f'<script crossorigin src="{url}" integrity="{integrity}"></script>'


def graphiql_page(
    config: dict[str, object], asset_dir: Path = ASSET_DIR, template: Path = TEMPLATE
) -> GraphiQLPage:
    """The page: vendored files when every one is present (closed networks), else the CDN's."""
    found = [a for a in assets() if a.package not in _UNUSED]
    offline = bool(found) and all((asset_dir / a.relative).is_file() for a in found)
    base = ASSET_ROUTE if offline else CDN.rstrip("/")
    # JSON inside <script>: "<" escaped so no value can close the element
    data = json.dumps(config).replace("<", "\\u003c")
    page = (
        template.read_text(encoding="utf-8")
        .replace("{{assets}}", "\n    ".join(_tag(a, base) for a in found))
        .replace("{{config}}", data)
        .replace("{{signin}}", SIGNIN_ROUTE)
    )
    cognito = config.get("cognito")
    endpoint = cognito.get("endpoint") if isinstance(cognito, dict) else None
    return GraphiQLPage(
        html=page,
        content_security_policy=content_security_policy(
            cognito_endpoint=str(endpoint) if endpoint else None, offline=offline
        ),
        offline=offline,
    )
