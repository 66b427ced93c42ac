"""Apollo Client and urql, bundled, in headless Chromium against the service (e2e/browser/).

Each app signs in through Cognito from the browser, queries, paginates, renames a submission
(the list on screen changes from the normalized cache, without a refetch), receives a
subscription event, and uploads an image with the presigned POST until READY. The driver
(e2e/browser_clients.mjs) reports what it saw as JSON; the assertions are here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, Service, run_node

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
BUNDLES = Path(__file__).resolve().parent / "browser" / "dist"
PAGE_SIZE = 3


def _run(service: Service, scenario: str) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e` (it installs Debian's chromium)")
    if not (BUNDLES / "apollo.js").is_file() or not (BUNDLES / "urql.js").is_file():
        pytest.fail("e2e/browser/dist/ is missing: run `make e2e` (it bundles the apps)")
    state = service.workdir / ".prework-local.json"  # where the local stack's Cognito is
    output = run_node(
        "browser_clients.mjs",
        scenario,
        service=service,
        timeout=180,
        env={"PREWORK_LOCAL_STATE": str(state)},
    )
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


@pytest.mark.parametrize("app", ["apollo", "urql"])
def test_client_in_the_browser_signs_in_pages_updates_its_cache_and_uploads(
    service: Service, app: str
) -> None:
    # given the app's bundle served on http://localhost:3001 and six new submissions of the
    # demo user (made by the driver before the page opens)
    screenshot = ARTIFACTS / f"browser-{app}.png"
    screenshot.unlink(missing_ok=True)
    # when the page is driven through every step
    result = _run(service, app)
    steps = result["steps"]
    # then it signed in with one Cognito InitiateAuth from the browser
    assert steps["signIn"]["cognito"] == ["AWSCognitoIdentityProviderService.InitiateAuth"]
    # and the first page is one request, painted
    query = steps["query"]
    assert [r.split()[1] for r in query["requests"]] == ["MySubmissions"]
    assert query["rendered"] == PAGE_SIZE and query["hasNextPage"]
    # and the next page, one more request, was merged into the same list: the six new
    # submissions newest first, none twice
    paginate = steps["paginate"]
    assert [r.split()[1] for r in paginate["requests"]] == ["MySubmissions"]
    assert paginate["ids"] == list(reversed(result["seeded"]))
    assert paginate["rendered"] == 2 * PAGE_SIZE
    # and the rename was the only request: the list already painted shows the new title
    # because the mutation's result was written to the normalized cache
    mutation = steps["mutation"]
    assert mutation["requests"] == ["POST Rename"]
    assert mutation["renderedTitle"] == mutation["expectedTitle"]
    assert mutation["emissionsAfter"] > mutation["emissionsBefore"]
    assert mutation["rendered"] == 2 * PAGE_SIZE
    # and a submit made elsewhere arrived over the socket and reached the screen via the
    # cache, with no HTTP request from the page
    subscription = steps["subscription"]
    assert subscription["event"]["id"] == query["ids"][0]
    assert subscription["event"]["status"] == "SUBMITTED"
    assert subscription["renderedStatus"] == "SUBMITTED"
    assert subscription["requests"] == []
    assert subscription["wsNext"] >= 1
    # and the browser's upload went to S3 (CORS allowed the page's origin) and became READY,
    # its 200 px thumbnail shown
    upload = steps["upload"]
    assert upload["postStatus"] in (200, 204)
    assert upload["status"] == "READY"
    assert upload["image"]["width"] == 200
    assert result["failedRequests"] == []
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000


def test_pages_on_other_origins_are_refused_by_the_preflights(service: Service) -> None:
    # given a page on http://localhost:3001 (allowed) and one on a free port (in no list)
    # when each calls /graphql with a token and POSTs to the media bucket with a preflight
    result = _run(service, "cors")
    allowed, other = result["allowed"], result["other"]
    # then the allowed page reads both answers
    assert allowed["api"] == "readable 200"
    assert allowed["s3Preflighted"].startswith("readable 2")
    assert allowed["s3Simple"].startswith("readable 2")
    # and the other page's preflights are refused, by the API and by the bucket's CORS rules
    assert other["api"] == "refused (TypeError)"
    assert other["s3Preflighted"] == "refused (TypeError)"
