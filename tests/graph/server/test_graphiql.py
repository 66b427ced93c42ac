"""GraphiQL: our page with the sign-in panel, told the Cognito app client (and, on the
embedded local stack only, the demo people), loading its files locally once `make graphiql`
has vendored them; nothing of it in production."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.server.app import create_app
from graph.server.graphiql import (
    ASSET_DIR,
    ASSET_ROUTE,
    CDN,
    SIGNIN_DIR,
    SIGNIN_ROUTE,
    Asset,
    assets,
    cdn_page,
    graphiql_page,
    signin_config,
)
from services.local.demo import PEOPLE
from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.server import ServerThread

CONFIG = re.compile(r'<script type="application/json" id="graphiql-config">(.*?)</script>', re.S)
# what the page loads: every file of Strawberry's page but the CSRF-cookie helper
USED = [a for a in assets() if a.package != "js-cookie"]


def config_of(page: str) -> dict[str, object]:
    found = CONFIG.search(page)
    assert found is not None, "the page carries no config"
    loaded: dict[str, object] = json.loads(found.group(1))
    return loaded


def directives(policy: str) -> dict[str, str]:
    pairs = (d.strip().split(" ", 1) for d in policy.split(";"))
    return {name: value for name, value in pairs}


def vendor(into: Path, files: list[Asset]) -> None:
    for asset in files:
        target = into / asset.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* vendored */")


@pytest.fixture(scope="module")
def on_local_stack(settings: Settings) -> Iterator[Api]:
    """The app as `make run` serves it on the embedded local stack."""
    server = ServerThread(create_app(settings, local_stack=True)).start()
    yield Api(server.url)
    server.stop()


def test_the_page_names_its_cdn_files_with_integrity_hashes() -> None:
    # when reading Strawberry's page
    found = assets()
    # then React, GraphiQL and the explorer plugin are found, each with a sha384 hash
    packages = {a.package for a in found}
    assert {"react", "react-dom", "graphiql", "@graphiql/plugin-explorer"} <= packages
    assert all(a.integrity.startswith("sha384-") for a in found)
    assert len(found) == cdn_page().count(CDN)


def test_without_vendored_files_the_page_loads_them_from_the_cdn(tmp_path: Path) -> None:
    # given an empty asset directory
    # when building the page
    page = graphiql_page({"cognito": None, "demo": None}, tmp_path)
    # then every file comes from the CDN with its hash, and only then may scripts come from it
    assert not page.offline
    for asset in USED:
        assert f'"{CDN}{asset.relative.as_posix()}" integrity="{asset.integrity}"' in page.html
    assert directives(page.content_security_policy)["script-src"] == "'self' https://unpkg.com"


def test_with_every_file_vendored_the_page_loads_them_locally(tmp_path: Path) -> None:
    # given every file in place
    vendor(tmp_path, USED)
    # when building the page
    page = graphiql_page({"cognito": None, "demo": None}, tmp_path)
    # then no CDN URL is left, the local route is used, the hashes stay for the browser, and
    # the policy allows scripts from this origin only
    assert page.offline
    assert CDN not in page.html
    assert f'src="{ASSET_ROUTE}/graphiql@' in page.html
    assert page.html.count("integrity=") == len(USED)
    assert directives(page.content_security_policy)["script-src"] == "'self'"


def test_one_missing_file_keeps_the_cdn(tmp_path: Path) -> None:
    # given all files but one
    vendor(tmp_path, USED[1:])
    # then the page still points at the CDN rather than at a missing file
    page = graphiql_page({"cognito": None, "demo": None}, tmp_path)
    assert not page.offline
    assert f"{CDN}{USED[0].relative.as_posix()}" in page.html


def test_the_local_stack_offers_the_demo_people_and_the_app_client(settings: Settings) -> None:
    # when configuring the page on the embedded local stack
    config = signin_config(settings, local_stack=True)
    # then it names the moto endpoint and the pool's app client, and every demo person with
    # the password they were seeded with
    assert config["cognito"] == {
        "endpoint": f"{settings.aws_endpoint_url}/",
        "clientId": settings.cognito_client_id,
        "region": settings.aws_region,
    }
    demo = config["demo"]
    assert isinstance(demo, dict)
    assert demo["password"] == settings.demo_password
    assert [p["email"] for p in demo["people"]] == [p.email for p in PEOPLE]
    assert {p["role"] for p in demo["people"]} == {"ADMIN", "MANAGER", "USER"}


def test_elsewhere_there_are_no_demo_people(settings: Settings) -> None:
    # given real AWS in development (no endpoint: Cognito's own), and production
    aws = settings.model_copy(update={"aws_endpoint_url": None, "aws_region": "eu-west-1"})
    production = settings.model_copy(update={"env": "production", "cursor_secret": "p" * 40})
    # when configuring the page
    config = signin_config(aws, local_stack=False)
    # then sign-in goes to Cognito's regional endpoint, and no password is revealed, even if
    # production were (wrongly) said to be on the local stack
    assert config["cognito"] == {
        "endpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
        "clientId": settings.cognito_client_id,
        "region": "eu-west-1",
    }
    assert config["demo"] is None
    assert signin_config(production, local_stack=True)["demo"] is None


def test_without_an_app_client_there_is_no_sign_in(settings: Settings) -> None:
    # given no COGNITO_CLIENT_ID
    bare = settings.model_copy(update={"cognito_client_id": None})
    # when configuring and building the page
    page = graphiql_page(signin_config(bare, local_stack=False))
    # then the panel gets no endpoint, and the page may connect to this origin only
    assert config_of(page.html)["cognito"] is None
    assert directives(page.content_security_policy)["connect-src"] == "'self'"


def test_config_values_cannot_close_the_script_element(tmp_path: Path) -> None:
    # given a value with markup in it
    config = {"cognito": None, "demo": {"password": "</script><script>alert(1)</script>"}}
    # when building the page
    page = graphiql_page(config, tmp_path)
    # then it stays inside the JSON, and reads back unchanged
    assert "</script><script>alert" not in page.html
    assert config_of(page.html) == config


def test_the_served_page_signs_in_with_the_pools_app_client(api: Api, settings: Settings) -> None:
    # when a browser opens /graphql on a server not on the embedded local stack
    response = api.http.get(f"{api.url}/graphql", headers={"Accept": "text/html"})
    # then the page knows the app client, offers no demo people, may connect only to this
    # origin and that Cognito endpoint, and is not cached
    assert response.status_code == 200
    config = config_of(response.text)
    assert config["cognito"] == signin_config(settings, local_stack=False)["cognito"]
    assert config["demo"] is None
    policy = directives(response.headers["content-security-policy"])
    assert policy["connect-src"] == f"'self' {settings.aws_endpoint_url}"
    assert policy["default-src"] == "'none'"
    assert response.headers["cache-control"] == "no-store"


def test_on_the_local_stack_the_page_offers_the_demo_people(on_local_stack: Api) -> None:
    # when a browser opens /graphql as `make run` serves it
    response = on_local_stack.http.get(f"{on_local_stack.url}/graphql")
    # then the demo people are there, one button each
    demo = config_of(response.text)["demo"]
    assert isinstance(demo, dict)
    assert {p["email"] for p in demo["people"]} == {p.email for p in PEOPLE}


@pytest.mark.parametrize("name", ["page.js", "cognito.js", "page.css"])
def test_the_panels_files_are_served(api: Api, name: str) -> None:
    # when the page loads its own script and style
    response = api.http.get(f"{api.url}{SIGNIN_ROUTE}/{name}")
    # then they come from this app, as they are in the repository
    assert response.status_code == 200
    assert response.content == (SIGNIN_DIR / name).read_bytes()
    kind = "css" if name.endswith(".css") else "javascript"
    assert kind in response.headers["content-type"]


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
