"""The service under test, started exactly as `make run` starts it, in a fresh directory.

`prework serve --port <free port>` on the embedded local stack (moto), its own temporary
working directory (so `.prework-local.json` never clashes with a developer's `make run`), and
a token from `prework token user@example.com` run in that same directory. Every step has a
deadline; the process group is stopped at the end of the session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.platform.settings import Settings
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "e2e"
ARTIFACTS = E2E / "artifacts"
# The venv's `prework`, the same executable `make run` starts.
PREWORK = Path(sys.executable).parent / "prework"
START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Service:
    url: str
    token: str
    workdir: Path
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def clean_env() -> dict[str, str]:
    """The caller's environment without any Pre-Work setting, so defaults apply as in a fresh
    shell (a developer's AWS_ENDPOINT_URL or REDIS_URL must not redirect the run)."""
    return {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # what Ctrl+C does to `make run`: graceful shutdown
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    workdir = tmp_path_factory.mktemp("prework-run")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "serve.log"
    env = clean_env()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PREWORK), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: nothing it starts outlives the session
        )
        try:
            _wait_ready(url, process, log)
            token = subprocess.run(
                [str(PREWORK), "token", "user@example.com"],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout.strip()
            yield Service(url=url, token=token, workdir=workdir, log=log)
        finally:
            _stop(process)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prework serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"prework serve not ready in {START_TIMEOUT_SECONDS} s:\n{log.read_text()}")


def run_node(
    script: str,
    *args: str,
    service: Service,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> str:
    """Run `node e2e/<script> args...` against the service (with `env` added); its stdout, or
    a failure with both streams and the service's log."""
    node_modules = E2E / "node_modules"
    if not node_modules.is_dir():
        pytest.fail("e2e/node_modules is missing: run `make e2e` (it runs `npm ci --prefix e2e`)")
    env = {
        **clean_env(),
        "PREWORK_URL": service.url,
        "PREWORK_TOKEN": service.token,
        "PREWORK_ARTIFACTS": str(ARTIFACTS),
        **(env or {}),
    }
    # Its own process group: on a timeout the browser it may have started goes too.
    process = subprocess.Popen(
        ["node", str(E2E / script), *args],
        cwd=E2E,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=10)
        pytest.fail(f"node {script} timed out after {timeout} s:\n{stdout}\n{stderr}")
    if process.returncode != 0:
        pytest.fail(
            f"node {script} {' '.join(args)} failed ({process.returncode}):\n"
            f"stdout:\n{stdout}\nstderr:\n{stderr}\n"
            f"service log:\n{service.log_tail()}"
        )
    return stdout
