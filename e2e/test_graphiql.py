"""GraphiQL in headless Chromium: loads without the internet, sends the token, shows `me`."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.conftest import ARTIFACTS, Service, run_node

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")


def test_graphiql_runs_me_with_the_token_in_the_headers_pane(service: Service) -> None:
    # given Debian's Chromium (`make e2e` installs it)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e` (it installs Debian's chromium)")
    screenshot = ARTIFACTS / "graphiql.png"
    screenshot.unlink(missing_ok=True)
    # when the page is driven: token in the Headers pane, `{ me { email } }` run
    output = run_node("graphiql.mjs", service=service, timeout=180)
    # then the result pane shows the user's email, nothing was fetched from elsewhere, and a
    # screenshot was saved
    assert "PASS graphiql" in output
    assert "user@example.com" in output
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000
