"""Fetch the files Strawberry's GraphiQL page loads from a CDN, from the npm registry instead.

`make graphiql` runs this. For each file the page names (package@version/path + SRI hash) it
runs `npm pack package@version` (the registry's tarball, checked by npm), extracts that one
file, checks it against the page's sha384 integrity hash and writes it under
graph/server/static/graphiql/ (git-ignored). The app then serves GraphiQL without the CDN.
Idempotent: files already present with the right hash are kept.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from graph.server.graphiql import ASSET_DIR, Asset, assets

NPM_TIMEOUT_SECONDS = 120


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def fetch(spec: str, into: Path) -> Path:
    """The package tarball of `spec` (name@version), via the npm client."""
    result = subprocess.run(  # noqa: S603 - fixed command; spec comes from Strawberry's page
        ["npm", "pack", spec, "--silent", "--pack-destination", str(into)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_SECONDS,
        check=True,
    )
    return into / result.stdout.strip().splitlines()[-1]


def main() -> int:
    wanted = assets()
    missing = [
        a
        for a in wanted
        if not (ASSET_DIR / a.relative).is_file()
        or sri((ASSET_DIR / a.relative).read_bytes()) != a.integrity
    ]
    if not missing:
        print(f"GraphiQL assets up to date in {ASSET_DIR}")
        return 0
    by_package: dict[str, list[Asset]] = {}
    for asset in missing:
        by_package.setdefault(f"{asset.package}@{asset.version}", []).append(asset)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in by_package.items():
            tarball = fetch(spec, Path(tmp))
            with tarfile.open(tarball) as archive:
                for asset in files:
                    member = archive.extractfile(f"package/{asset.path}")
                    if member is None:
                        raise SystemExit(f"{spec} has no {asset.path}")
                    data = member.read()
                    if sri(data) != asset.integrity:
                        raise SystemExit(f"{spec}/{asset.path}: hash differs from the page's")
                    target = ASSET_DIR / asset.relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    print(f"vendored {asset.relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
