"""`prework check-documents FILE`: every operation of a trusted-documents manifest checked
against the current schema (and its id against its body's SHA-256), as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.factories.documents import (
    apollo_manifest,
    codegen_manifest,
    sha256,
    write_manifest,
)

PREWORK = [sys.executable, "-m", "graph.cli", "check-documents"]
ME = "query Me { me { id email } }"
STATUS = "subscription Status { submissionStatusChanged { id status } }"
INVALID = "query Broken { me { nope } }"


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PREWORK, str(path)],
        cwd=path.parent,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_valid_manifest_passes_in_either_format(tmp_path: Path) -> None:
    # given both kinds of manifest of valid operations
    codegen = write_manifest(tmp_path / "persisted-documents.json", codegen_manifest(ME, STATUS))
    apollo = write_manifest(tmp_path / "persisted-query-manifest.json", apollo_manifest(ME))
    # when each is checked
    results = [_check(codegen), _check(apollo)]
    # then both pass, and say how many operations they hold
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert "2 operations, 0 problem(s)" in results[0].stderr
    assert "1 operations, 0 problem(s)" in results[1].stderr


def test_invalid_operations_are_listed_and_the_check_fails(tmp_path: Path) -> None:
    # given a manifest with an operation the schema cannot run, one whose id is not its
    # hash, and one whose stated type is wrong
    manifest = apollo_manifest(ME, INVALID, STATUS)
    manifest["operations"][0]["id"] = sha256("something else")
    manifest["operations"][2]["type"] = "query"
    path = write_manifest(tmp_path / "persisted-query-manifest.json", manifest)
    # when it is checked
    result = _check(path)
    # then each problem is printed against its operation, and the exit status says so
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Me: id ") and "is not the SHA-256 of its body" in lines[0]
    assert lines[1].startswith("Broken: Cannot query field 'nope' on type 'User'")
    assert lines[2] == "Status: a query in the manifest, a subscription in its body"
    assert "3 operations, 3 problem(s)" in result.stderr


def test_a_file_that_is_not_a_manifest_fails(tmp_path: Path) -> None:
    # given a file that is not JSON
    path = tmp_path / "manifest.json"
    path.write_text("not json")
    # when it is checked, then it fails with the reason
    result = _check(path)
    assert result.returncode == 1
    assert "not JSON" in result.stderr
