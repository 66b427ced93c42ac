"""GraphiQL works without the CDN once `make graphiql` has vendored its files."""

from __future__ import annotations

from pathlib import Path

from graph.server.graphiql import ASSET_DIR, ASSET_ROUTE, CDN, assets, cdn_page, graphiql_page
from tests.support.clients import Api


def test_the_page_names_its_cdn_files_with_integrity_hashes() -> None:
    # when reading Strawberry's page
    found = assets()
    # then React, GraphiQL and the explorer plugin are found, each with a sha384 hash
    packages = {a.package for a in found}
    assert {"react", "react-dom", "graphiql", "@graphiql/plugin-explorer"} <= packages
    assert all(a.integrity.startswith("sha384-") for a in found)
    assert len(found) == cdn_page().count(CDN)


def test_without_vendored_files_the_cdn_page_is_served(tmp_path: Path) -> None:
    # given an empty asset directory
    # when choosing the page
    page, offline = graphiql_page(tmp_path)
    # then it is Strawberry's own
    assert not offline
    assert page == cdn_page()


def test_with_every_file_vendored_the_page_loads_them_locally(tmp_path: Path) -> None:
    # given every file in place
    for asset in assets():
        target = tmp_path / asset.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* vendored */")
    # when choosing the page
    page, offline = graphiql_page(tmp_path)
    # then no CDN URL is left, the local route is used, and the hashes stay for the browser
    assert offline
    assert CDN not in page
    assert f'src="{ASSET_ROUTE}/graphiql@' in page
    assert page.count("integrity=") == cdn_page().count("integrity=")


def test_one_missing_file_keeps_the_cdn_page(tmp_path: Path) -> None:
    # given all files but one
    for asset in assets()[1:]:
        target = tmp_path / asset.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* vendored */")
    # then the page still points at the CDN rather than at a missing file
    assert graphiql_page(tmp_path) == (cdn_page(), False)


def test_vendored_files_are_served_when_present(api: Api) -> None:
    # given the asset route, whatever `make graphiql` has fetched
    first = assets()[0]
    # when fetching a file
    response = api.http.get(f"{api.url}{ASSET_ROUTE}/{first.relative.as_posix()}")
    # then it is served when vendored, a plain 404 otherwise (never an error page)
    if (ASSET_DIR / first.relative).is_file():
        assert response.status_code == 200
        assert response.content == (ASSET_DIR / first.relative).read_bytes()
    else:
        assert response.status_code == 404
