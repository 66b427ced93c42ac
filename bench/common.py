"""Shared plumbing for the service benchmarks: a moto server in its own process, seeding,
API servers as subprocesses, CPU time from /proc, and report helpers.

Everything binds to 127.0.0.1 on free ports and is stopped by the scripts that start it.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

from services.auth.identity import Identity
from services.local import demo
from services.local.bootstrap import bootstrap_local
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope

PASSWORD = "PreWork-Bench-2026!"
SEEDER = Identity(user_id="seed", username="seed.bench", groups=frozenset({"admin"}))
CLK_TCK = os.sysconf("SC_CLK_TCK")

NESTED = """query Nested($n: Int!) {
  users(first: $n) { edges { node {
    profile { manager { email } }
    submissions(first: 5, orderBy: {field: CREATED, direction: ASC}) { edges { node { status } } }
  } } }
}"""
# The Node peer (../shared/peer) was written before `orderBy`: its schema has no such argument,
# and it reads a person's submissions from the hash-only UserIdIndex, which on the seeded data
# gives them oldest first. The product is asked for that order explicitly (its default is now
# newest first), so the answers stay byte-identical.
NESTED_PEER = NESTED.replace(", orderBy: {field: CREATED, direction: ASC}", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(
    url: str, *, timeout: float = 60, process: subprocess.Popen[Any] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[Any], *, timeout: float = 15) -> None:
    """SIGINT (uvicorn and moto shut down cleanly on it), then SIGKILL after `timeout`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


MOTO_PIDS: dict[str, int] = {}


@contextmanager
def moto_process() -> Iterator[str]:
    """A moto server in its own process (so its CPU is not the API's). Yields the endpoint."""
    port = free_port()
    # The local stack's moto (services/local/stack.py): DynamoDB writes one at a time, so
    # concurrent transactions on shared counter items do not lose writes or fail with 500s;
    # reads in parallel, as the APIs under test send them.
    process = subprocess.Popen(
        [
            str(BIN / "python"),
            "-m",
            "services.local.stack",
            "--port",
            str(port),
            "--parallel-reads",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    MOTO_PIDS[endpoint] = process.pid
    try:
        wait_http(f"{endpoint}/moto-api/", process=process)
        yield endpoint
    finally:
        stop(process)


def base_settings(endpoint: str, prefix: str = "bench") -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        log_level="WARNING",
        aws_endpoint_url=endpoint,
        use_local_stack=False,
        run_worker_in_process=False,
        table_prefix=prefix,
        demo_password=PASSWORD,
        cursor_secret="bench-cursor-secret",
        # Seeding sends transactions concurrently and moto applies them one at a time: one
        # queued past a 10 s read timeout would be sent again and meet its own first copy's
        # version (a false Conflict); on DynamoDB such a retry is a no-op (the same token).
        aws_read_timeout=120,
    )


@dataclass
class Seeded:
    settings: Settings
    admin_token: str
    user_ids: list[str]
    submission_ids: list[str]


async def _seed_people(settings: Settings, people: int, with_submission_every: int) -> Seeded:
    ready = await bootstrap_local(settings)  # tables, buckets, queue, Cognito pool, demo people
    plain = ready.model_copy(update={"cognito_user_pool_id": None})  # no Cognito identity each
    async with RuntimeScope(plain) as runtime:
        org = await demo.seed_org(
            runtime=runtime,
            people=people,
            domain="bench.test",
            submissions_every=with_submission_every,
            submissions_each=2,
        )
    return Seeded(
        settings=ready, admin_token="", user_ids=org.member_ids, submission_ids=org.submission_ids
    )


def seed(endpoint: str, *, people: int = 120, prefix: str = "bench", every: int = 3) -> Seeded:
    """Provision everything in the moto server, seed the demo people (with Cognito identities)
    and `people` more users, each with a manager, every `every`-th with two submissions."""
    seeded = asyncio.run(_seed_people(base_settings(endpoint, prefix), people, every))
    seeded.admin_token = login(seeded.settings, "admin@example.com")
    return seeded


def login(settings: Settings, email: str, password: str = PASSWORD) -> str:
    import boto3

    client = boto3.client(
        "cognito-idp", endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region
    )
    result = client.initiate_auth(
        ClientId=settings.cognito_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a separate API process needs to use `settings`' stack."""
    env = {
        **os.environ,
        "ENV": "test",
        "LOG_LEVEL": "WARNING",
        "USE_LOCAL_STACK": "false",
        "RUN_WORKER_IN_PROCESS": "false",
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "AWS_REGION": settings.aws_region,
        "TABLE_PREFIX": settings.table_prefix,
        "COGNITO_USER_POOL_ID": settings.cognito_user_pool_id or "",
        "COGNITO_CLIENT_ID": settings.cognito_client_id or "",
        "CURSOR_SECRET": settings.cursor_secret,
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def reproduce(command: str, began: float) -> str:
    """A results file's last line: how to run it again, where it ran, and how long it took."""
    return (
        f"Reproduce: `{command}`. {environment()}. Whole run {time.perf_counter() - began:.0f} s."
    )


@contextmanager
def api_process(
    settings: Settings,
    *,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    wrapper: Sequence[str] = (),
    start_timeout: float = 60,
    stop_timeout: float = 15,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`prework serve` (or `command`, which gets `{port}` filled in) as a subprocess, with
    `env` on top of the settings' environment; run under `wrapper` (valgrind) when given."""
    port = free_port()
    argv = (
        [part.format(port=port) for part in command]
        if command
        else [str(BIN / "prework"), "serve", "--port", str(port)]
    )
    process = subprocess.Popen(
        [*wrapper, *argv],
        cwd=ROOT,
        env=server_env(settings, PORT=str(port), **(env or {})),
        stdout=subprocess.DEVNULL,
        # A wrapper's own report would fill a pipe nobody reads.
        stderr=subprocess.DEVNULL if wrapper else subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz", process=process, timeout=start_timeout)
        yield url, process
    finally:
        stop(process, timeout=stop_timeout)


def handwritten_command(workers: int = 1) -> list[str]:
    argv = [
        str(BIN / "uvicorn"),
        "--factory",
        "bench.handwritten:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    return [*argv, "--workers", str(workers)] if workers > 1 else argv


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (clock ticks of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


# --- reporting ---------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], digits: int = 1) -> str:
    return f"{min(values):.{digits}f} to {max(values):.{digits}f}"


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def verdict(value: float, target: float, *, at_least: bool) -> str:
    met = value >= target if at_least else value <= target
    margin = abs(value / target - 1)
    amount = f"{margin:.0%}" if margin >= 0.005 else "under 1%"
    return f"**met** with {amount} to spare" if met else f"**missed** by {amount}"


def environment() -> str:
    load = os.getloadavg()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load[0]:.2f}"
    )


def write(name: str, lines: list[str]) -> str:
    report = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(report)
    print(report)
    return report


def has_media() -> bool:
    """Whether the media pipeline (branch `media`) is in this tree."""
    return (ROOT / "services" / "media" / "items.py").exists()
