"""The `prework` command against the test session's moto server, as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from jose import jwt

from services.local.bootstrap import STATE_FILE, write_state
from services.platform.settings import Settings
from tests.support.clients import Api, boto, error_codes, login
from tests.support.factories.people import PASSWORD, make_person

PREWORK = [sys.executable, "-m", "graph.cli"]
USER = "query U($id: ID!) { user(id: $id) { isActive } }"
ME = "{ me { id } }"


def _run(
    args: list[str], settings: Settings, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **env,
    }
    return subprocess.run(
        PREWORK + args,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    # given an AWS (the moto server) without the `cli` stage's resources
    # when init runs twice
    first = _run(["init"], settings, tmp_path, STAGE="cli")
    second = _run(["init"], settings, tmp_path, STAGE="cli")
    # then the first creates every table, bucket and queue, the second changes nothing
    assert first.returncode == 0, first.stderr
    assert "created  table          pre-work-users-cli" in first.stdout
    assert "created  bucket         pre-work-media-uploads-cli" in first.stdout
    assert "created  queue          pre-work-uploads-cli" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout
    assert "nothing changed" in second.stdout


def test_token_prints_a_verifiable_id_token(settings: Settings, tmp_path: Path) -> None:
    # given the local pool and a demo user
    # when asking for a token
    result = _run(
        [
            "token",
            "user@example.com",
            "--client",
            settings.cognito_client_id or "",
            "--password",
            settings.demo_password,
        ],
        settings,
        tmp_path,
    )
    # then a raw ID token for that user is printed
    assert result.returncode == 0, result.stderr
    claims = jwt.get_unverified_claims(result.stdout.strip())
    assert claims["email"] == "user@example.com"
    assert claims["token_use"] == "id"


def test_token_with_a_wrong_password_fails_cleanly(settings: Settings, tmp_path: Path) -> None:
    # when the password is wrong
    result = _run(
        [
            "token",
            "user@example.com",
            "--client",
            settings.cognito_client_id or "",
            "--password",
            "nope",
        ],
        settings,
        tmp_path,
    )
    # then a one-line error, no traceback
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("prework token:")


def test_bad_settings_fail_loudly(settings: Settings, tmp_path: Path) -> None:
    # when a setting has a bad value
    result = _run(["serve"], settings, tmp_path, PAGE_SIZE_MAX="lots")
    # then start-up stops at once with the setting named, and no traceback
    assert result.returncode == 2
    assert "page_size_max" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_schema_prints_the_sdl(settings: Settings, tmp_path: Path) -> None:
    # when
    result = _run(["export-schema"], settings, tmp_path)
    # then
    assert result.returncode == 0
    assert "type Query {" in result.stdout


def test_create_user_makes_a_first_admin_who_can_sign_in(
    settings: Settings, tmp_path: Path
) -> None:
    # given the pool and tables of the test stack
    pool = {
        "COGNITO_USER_POOL_ID": settings.cognito_user_pool_id or "",
        "COGNITO_CLIENT_ID": settings.cognito_client_id or "",
    }
    # when an operator creates an admin from the command line
    created = _run(
        ["create-user", "root@cli.example.com", "--role", "ADMIN", "--password", "Root-Pass-2026!"],
        settings,
        tmp_path,
        **pool,
    )
    # then the user exists in Cognito (in the admin group) and can get a token
    assert created.returncode == 0, created.stderr
    token = _run(
        [
            "token",
            "root@cli.example.com",
            "--client",
            pool["COGNITO_CLIENT_ID"],
            "--password",
            "Root-Pass-2026!",
        ],
        settings,
        tmp_path,
    )
    claims = jwt.get_unverified_claims(token.stdout.strip())
    assert claims["cognito:groups"] == ["admin"]
    assert claims["sub"] == created.stdout.strip()
    # and the records name the command as their author (seed-003 form of "prework.cli")
    item = boto(settings, "dynamodb").get_item(
        TableName=settings.table("users"), Key={"userId": {"S": claims["sub"]}}
    )["Item"]
    assert item["createdBy"] == {"S": "cli, prework"}
    # and creating them again is a clean conflict
    again = _run(
        ["create-user", "root@cli.example.com", "--role", "ADMIN"], settings, tmp_path, **pool
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


def _refused_soon(api: Api, token: str, within: float = 1.5) -> None:
    """The API refuses `token` within `within` seconds (one poll of the revocation list)."""
    started = time.monotonic()
    while error_codes(api.run(ME, token=token)) != ["UNAUTHENTICATED"]:
        assert time.monotonic() - started < within, "the running API still accepts the token"
        time.sleep(0.02)


def _local_stack_only(settings: Settings, cwd: Path) -> dict[str, str]:
    """What `make run` leaves for the commands: `.prework-local.json` in the working
    directory, and no AWS endpoint, keys or pool in the environment."""
    write_state(settings, cwd / STATE_FILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_"))}
    return env


def test_admin_commands_reach_the_running_local_stack(
    api: Api, settings: Settings, admin_token: str, tmp_path: Path
) -> None:
    # given a running local stack (its state file) and a user, nothing exported by hand
    env = _local_stack_only(settings, tmp_path)
    person = make_person(api, settings, admin_token)
    cognito = boto(settings, "cognito-idp")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PREWORK, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def enabled() -> bool:
        user = cognito.admin_get_user(
            UserPoolId=settings.cognito_user_pool_id, Username=person.email
        )
        return bool(user["Enabled"])

    # when the operator creates a user there
    created = run("create-user", f"local-{person.email}")
    assert created.returncode == 0, created.stderr
    # and deactivates the person, then reactivates them
    deactivated = run("deactivate-user", person.email)
    assert deactivated.returncode == 0, deactivated.stderr
    assert deactivated.stdout.strip() == f"{person.id} inactive"
    # then the running API (no Redis: it reads the stored revocations) refuses their token
    _refused_soon(api, person.token)
    assert not enabled()
    assert api.data(USER, {"id": person.id}, token=admin_token)["user"]["isActive"] is False
    reactivated = run("reactivate-user", person.email)
    assert reactivated.stdout.strip() == f"{person.id} active", reactivated.stderr
    assert enabled()
    time.sleep(1.05)  # a sign-in in a later second than the revocation
    fresh = login(settings, person.email, PASSWORD)
    assert api.data(ME, token=fresh)["me"]["id"] == person.id
    # and signs them out
    signed_out = run("sign-out", person.email)
    assert signed_out.stdout.strip() == f"{person.id} signed out", signed_out.stderr
    # then the running API refuses the token they signed in with within about a second
    _refused_soon(api, fresh)
    # then an unknown email is a clean one-line error
    unknown = run("deactivate-user", "nobody@cli.example.com")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("prework deactivate-user: no user")
