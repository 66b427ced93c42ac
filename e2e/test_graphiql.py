"""GraphiQL in headless Chromium: loads without the internet, sends the token, shows `me`; its
sign-in panel signs in (a demo person, a typed email and password), refreshes and signs out."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from e2e.conftest import ARTIFACTS, PREWORK, Service, clean_env, run_node

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
TEMPORARY_PASSWORD = "Temporary-Pass-2026!"  # noqa: S105 - a throwaway local-stack user


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e` (it installs Debian's chromium)")


def _new_person(service: Service) -> str:
    """A person an admin has just created: Cognito asks for a new password at first sign-in."""
    email = f"new.{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run(
        [str(PREWORK), "create-user", email],
        cwd=service.workdir,
        env=clean_env(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    # the temporary password Cognito's invitation e-mail would have carried
    state = json.loads((service.workdir / ".prework-local.json").read_text())
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=state["endpoint"],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any
    )
    cognito.admin_set_user_password(
        UserPoolId=state["poolId"], Username=email, Password=TEMPORARY_PASSWORD, Permanent=False
    )
    return email


def test_graphiql_runs_me_with_the_token_in_the_headers_pane(service: Service) -> None:
    # given Debian's Chromium (`make e2e` installs it)
    _require_chromium()
    screenshot = ARTIFACTS / "graphiql.png"
    screenshot.unlink(missing_ok=True)
    # when the page is driven: token in the Headers pane, `{ me { email } }` run
    output = run_node("graphiql.mjs", "headers", service=service, timeout=180)
    # then the result pane shows the user's email, nothing was fetched from elsewhere, and a
    # screenshot was saved
    assert "PASS graphiql" in output
    assert "user@example.com" in output
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000


def test_graphiql_signs_in_refreshes_and_signs_out(service: Service) -> None:
    # given a person just created by an admin, and the local stack's Cognito endpoint
    _require_chromium()
    email = _new_person(service)
    endpoint = json.loads((service.workdir / ".prework-local.json").read_text())["endpoint"]
    shots = [
        "graphiql-start.png",
        "graphiql-signin.png",
        "graphiql-signed-out.png",
        "graphiql-subscription.png",
    ]
    for name in shots:
        (ARTIFACTS / name).unlink(missing_ok=True)
    # when the sign-in panel is driven (e2e/graphiql.mjs: demo person, refresh, sign-out, wrong
    # password, the new person's first sign-in with a new password, a query, a subscription)
    output = run_node(
        "graphiql.mjs", "signin", f"{endpoint}/", email, TEMPORARY_PASSWORD, service=service
    )
    # then every step passed, in order, and each left its screenshot
    steps = [line.split()[1] for line in output.splitlines() if line.startswith("PASS ")]
    assert steps == [
        "default-tab",
        "demo",
        "refresh",
        "signout",
        "wrong-password",
        "typed",
        "subscription",
    ]
    assert f"PASS typed {email}" in output
    for name in shots:
        assert (ARTIFACTS / name).stat().st_size > 10_000
