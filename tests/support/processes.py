"""Real processes for fault tests: `prework serve` / `prework worker` subprocesses, a
redis-server that can be stopped and started again on the same port, a side deployment
(its own stage in the session's moto server), and a tiny HTTP proxy in front of moto that
injects AWS faults (throttling, 5xx) or latency. Loopback only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.local import provisioning
from services.platform.aws import Aws
from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.factories.media import wait_for
from tests.support.server import free_port, run_async


def side_deployment(base: Settings, stage: str, **update: Any) -> Settings:
    """A deployment of its own (tables, buckets, queue, notifications) in the same moto."""
    # Built afresh: a copy would keep the cached bucket and queue names of the main stage.
    settings = Settings.model_validate({**base.model_dump(), "stage": stage, **update})

    async def provision() -> None:
        async with Aws(settings) as aws:
            await provisioning.provision(aws=aws, settings=settings)

    run_async(provision())
    return settings


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a `prework` subprocess needs to run as `settings` describes."""
    env = {
        **os.environ,
        "ENV": "test",
        "STAGE": settings.stage,
        "TABLE_PREFIX": settings.table_prefix,
        "USE_LOCAL_STACK": "false",
        "RUN_WORKER_IN_PROCESS": "false",
        "AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        "AWS_REGION": settings.aws_region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "COGNITO_USER_POOL_ID": str(settings.cognito_user_pool_id),
        "COGNITO_CLIENT_ID": str(settings.cognito_client_id),
        "CURSOR_SECRET": settings.cursor_secret,
        "WORKER_WAIT_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def _prework() -> str:
    return str(Path(sys.executable).with_name("prework"))


def log_of(proc: subprocess.Popen[bytes]) -> str:
    """What a `prework` subprocess wrote to stderr so far."""
    return _LOGS[proc.pid].read_text(errors="replace")


_LOGS: dict[int, Path] = {}


@contextmanager
def prework(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A `prework …` subprocess; SIGTERM (then SIGKILL) on the way out if still running.

    Its stderr goes to a file in `cwd` (`log_of`): a pipe nobody drains would block a busy
    process once the pipe buffer fills."""
    log = cwd / f"prework-{args[0]}-{len(_LOGS)}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [_prework(), *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=sink
        )
    _LOGS[proc.pid] = log
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _healthy(url: str, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"server exited: {log_of(proc)}")
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def api_server(env: dict[str, str], cwd: Path) -> Iterator[tuple[Api, subprocess.Popen[bytes]]]:
    """`prework serve` on a free loopback port, once it answers /healthz."""
    port = free_port()
    with prework(["serve", "--port", str(port)], env, cwd) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(url, proc), timeout=60, what="the API process to start")
        yield Api(url), proc


_EPHEMERAL = ("--save", "", "--appendonly", "no")


@dataclass
class RedisServer:
    """A redis-server on a fixed loopback port that tests stop and start again."""

    binary: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", *_EPHEMERAL],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        try:
            wait_for(lambda: _pings(client), timeout=10, what="redis-server to start")
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (`make redis` installs it)")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# A tiny fault-injecting proxy in front of moto ------------------------------------------------

Matcher = Callable[[str, dict[str, str]], bool]
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def dynamodb(operation: str | None = None) -> Matcher:
    """Matches DynamoDB calls (all, or one operation such as "GetItem")."""

    def match(_: str, headers: dict[str, str]) -> bool:
        target = headers.get("x-amz-target", "")
        if not target.startswith("DynamoDB_"):
            return False
        return operation is None or target.endswith("." + operation)

    return match


THROTTLED = (
    400,
    {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"},
)
SERVER_ERROR = (
    500,
    {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal"},
)
# A 5xx no AWS error model knows (a proxy or load balancer in the way, or moto crashing).
HTML_500 = (500, b"<!doctype html><title>500 Internal Server Error</title>")


@dataclass
class _Fault:
    match: Matcher
    remaining: int
    status: int
    body: dict[str, Any] | bytes


@dataclass
class _Rewrite:
    match: Matcher
    remaining: int
    change: Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class FaultProxy:
    """Forwards every request to `target`, except the ones a fault claims: those get the
    fault's answer (as DynamoDB would send it) while its count lasts. `rewrite` changes real
    answers instead (a partial BatchGetItem, as DynamoDB sends under load); `delay` slows matching
    requests down; `down` hangs up on everything (an outage that, unlike stopping a
    server, also cuts connections kept alive). Counts what it saw, for assertions."""

    target: str
    faults: list[_Fault] = field(default_factory=list)
    rewrites: list[_Rewrite] = field(default_factory=list)
    delays: list[tuple[Matcher, float]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    down: bool = False  # every request, on new and kept-alive connections alike, is dropped
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail(self, match: Matcher, times: int, answer: tuple[int, dict[str, Any] | bytes]) -> None:
        with self.lock:
            self.faults.append(_Fault(match, times, answer[0], answer[1]))

    def rewrite(
        self, match: Matcher, times: int, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        """The next `times` matching answers pass through `change` (a JSON answer in, the one
        to send out)."""
        with self.lock:
            self.rewrites.append(_Rewrite(match, times, change))

    def _rewrite_for(self, path: str, headers: dict[str, str]) -> _Rewrite | None:
        with self.lock:
            for rewrite in self.rewrites:
                if rewrite.remaining > 0 and rewrite.match(path, headers):
                    rewrite.remaining -= 1
                    return rewrite
        return None

    def delay(self, match: Matcher, seconds: float) -> None:
        with self.lock:
            self.delays.append((match, seconds))

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.rewrites.clear()
            self.delays.clear()
            self.seen.clear()
            self.failed.clear()

    def count(self, match: Matcher) -> int:
        with self.lock:
            return sum(1 for target in self.seen if match("", {"x-amz-target": target}))

    def _decide(self, path: str, headers: dict[str, str]) -> tuple[_Fault | None, float]:
        with self.lock:
            self.seen.append(headers.get("x-amz-target", path))
            pause = sum(s for m, s in self.delays if m(path, headers))
            for fault in self.faults:
                if fault.remaining > 0 and fault.match(path, headers):
                    fault.remaining -= 1
                    self.failed.append(headers.get("x-amz-target", path))
                    return fault, pause
        return None, pause

    def start(self) -> FaultProxy:
        proxy = self
        client = httpx.Client(timeout=60)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if proxy.down:
                    self.close_connection = True  # hang up without an answer
                    return
                fault, pause = proxy._decide(self.path, headers)
                if pause:
                    time.sleep(pause)
                if fault is not None:
                    raw = isinstance(fault.body, bytes)
                    payload = (
                        fault.body
                        if isinstance(fault.body, bytes)
                        else json.dumps(fault.body).encode()
                    )
                    self.send_response(fault.status)
                    kind = "text/html" if raw else "application/x-amz-json-1.0"
                    self.send_header("Content-Type", kind)
                    self.send_header("x-amzn-RequestId", "fault-proxy")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                sent = {k: v for k, v in headers.items() if k not in _HOP}
                upstream = client.request(
                    self.command, proxy.target + self.path, headers=sent, content=body
                )
                content = upstream.content
                rewrite = proxy._rewrite_for(self.path, headers)
                skip = {"content-encoding"}
                if rewrite is not None and upstream.status_code == 200:
                    content = json.dumps(rewrite.change(json.loads(content))).encode()
                    skip.add("x-amz-crc32")  # botocore checks it: send the new body's
                    self.send_response(upstream.status_code)
                    self.send_header("x-amz-crc32", str(zlib.crc32(content)))
                else:
                    self.send_response(upstream.status_code)
                for key, value in upstream.headers.items():
                    if key.lower() not in _HOP and key.lower() not in skip:
                        self.send_header(key, value)
                if self.command == "HEAD":
                    length = upstream.headers.get("content-length", "0")
                    self.send_header("Content-Length", length)
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@contextmanager
def fault_proxy(target: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(target).start()
    try:
        yield proxy
    finally:
        proxy.stop()
