"""The GraphQL-over-HTTP audit suite (npm `graphql-http` 1.23.1, `auditServer`) against a
`prework serve` process: every audit, MUST, SHOULD and MAY alike, is `ok`. `make test`
installs the suite (`npm ci` in tests/system/graphql_http)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import Stack
from tests.support import processes

SUITE = Path(__file__).parent / "graphql_http"
VERSION = "1.23.1"


def test_every_graphql_http_audit_is_ok(stack: Stack, tmp_path: Path) -> None:
    # given the audit suite installed, and the API as `prework serve` runs it
    node = shutil.which("node")
    assert node, "node is needed for the graphql-http audit"
    assert (SUITE / "node_modules" / "graphql-http").is_dir(), "run `make test` (npm ci)"
    env = processes.environment(stack.settings)
    with processes.api_server(env, tmp_path) as (api, _):
        # when the suite audits /graphql
        run = subprocess.run(
            [node, str(SUITE / "audit.mjs"), f"{api.url}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    # then it is the pinned suite, and all 61 audits pass
    assert report["version"] == VERSION
    failing = [a for a in report["audits"] if a["status"] != "ok"]
    assert failing == []
    assert len(report["audits"]) == 61
