"""GraphiQL that works on closed networks.

Strawberry's GraphiQL page loads React, GraphiQL and its plugins from a CDN (unpkg). Where
that CDN is unreachable the page stays on "Loading...". `make graphiql` (scripts/
vendor-graphiql.py) fetches exactly those files from the npm registry into `ASSET_DIR`; when
all are present the page is served with its CDN URLs rewritten to `ASSET_ROUTE`, keeping the
`integrity` hashes, so the browser still checks every file. Otherwise the CDN page is served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

CDN = "https://unpkg.com/"
ASSET_ROUTE = "/graphiql-assets"
ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"

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


def cdn_page() -> str:
    """Strawberry's GraphiQL page, as shipped."""
    return get_graphql_ide_html("graphiql")


def assets(page: str | None = None) -> list[Asset]:
    """Every CDN file the page loads."""
    return [Asset(**m.groupdict()) for m in _ASSET.finditer(page or cdn_page())]


def graphiql_page(asset_dir: Path = ASSET_DIR) -> tuple[str, bool]:
    """The page to serve and whether it is the offline one (every asset vendored)."""
    page = cdn_page()
    found = assets(page)
    if not found or not all((asset_dir / a.relative).is_file() for a in found):
        return page, False
    return page.replace(CDN, f"{ASSET_ROUTE}/"), True
