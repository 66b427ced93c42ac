"""The embedded local AWS stack: moto's ThreadedMotoServer on a free loopback port.

Nothing is mocked in-process: the service talks HTTP to this server through the same
aioboto3 code it uses against real AWS; only the endpoint URL differs.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import moto.dynamodb.models  # noqa: F401  (registers DynamoDB's models in model_data)
from moto.core.model_instances import model_data
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from services.platform.settings import Settings

LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class _Untracked(list[object]):
    """A model class's instance list that keeps nothing."""

    def append(self, _: object) -> None:
        pass


def untrack_dynamodb() -> None:
    """Stop moto from keeping every DynamoDB model instance it ever made.

    moto appends each instance of its models to a list on the class, for its dashboard
    (`/moto-api/data.json`), and never removes one. Every TransactWriteItems deep-copies each
    table it touches as a backup, so every copied table and item stayed alive: under
    `make load` the server held 1,600 tables and 9.8 million objects after 30 s, its RSS grew
    past 1.2 GB, and its collector walked all of it, slower with every write. Only the
    dashboard reads these lists for DynamoDB; it now lists no DynamoDB models. (moto's
    `/moto-api/reset` would put plain lists back; nothing here calls it.)
    """
    for model in model_data["dynamodb"].values():
        model.instances_tracked = _Untracked()  # type: ignore[attr-defined]


class Turns:
    """A lock that lets its waiters in by order of arrival.

    `threading.Lock` wakes an arbitrary waiter: with a hundred clients queued behind moto's
    slowest calls, one request could wait for the lock past any timeout while later ones got
    it. Each waiter here holds a lock of its own that the leaving holder releases.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder that hands its turn over

    @property
    def queued(self) -> int:
        """How many wait for their turn."""
        with self._guard:
            return len(self._waiting)

    def __exit__(self, *_: object) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()  # still held: the next waiter has it now
            else:
                self._held = False


class SerialDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, in order of arrival, as DynamoDB's
    own atomicity.

    moto runs requests on threads without a lock: a TransactWriteItems backs the tables up and
    restores them when a condition fails, and an `ADD` reads, then writes. Two at once can
    lose one's writes, which real DynamoDB never does (it isolates transactions and reports a
    TransactionConflict instead). S3, SQS and Cognito requests still run in parallel.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], *, reads_too: bool = True) -> None:
        self._app = app
        self._lock = Turns()
        self._reads_too = reads_too

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith("DynamoDB_") or (
            not self._reads_too and target.rsplit(".", 1)[-1] in _READS
        ):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))


# Reads the benchmarks let run in parallel (they write only while seeding).
_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"})


class _Server(ThreadedMotoServer):
    # moto's own entry point, with the DynamoDB requests serialised (SerialDynamoDB).
    reads_too = True

    def _server_entry(self) -> None:
        untrack_dynamodb()
        app = SerialDynamoDB(
            DomainDispatcherApplication(create_backend_app), reads_too=self.reads_too
        )
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


class LocalStack:
    """Starts and stops a moto server; `settings_for` points settings at it."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, serial_reads: bool = True
    ) -> None:
        self._server = _Server(ip_address=host, port=port, verbose=False)
        self._server.reads_too = serial_reads
        self.endpoint = ""

    def start(self) -> str:
        # moto's werkzeug logs every request at INFO; keep the service's own logs readable.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("aiobotocore.credentials").setLevel(logging.WARNING)
        for name, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()

    def settings_for(self, settings: Settings, **extra: object) -> Settings:
        return settings.model_copy(update={"aws_endpoint_url": self.endpoint, **extra})


def main() -> None:
    """`python -m services.local.stack --port N`: the local stack's moto server (DynamoDB
    serialised as above) in the foreground, as its own process (the benchmarks run it so, to
    keep moto's CPU apart from the API's). Stops on SIGINT/SIGTERM."""
    import argparse
    import signal
    import threading

    parser = argparse.ArgumentParser(description=(main.__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--parallel-reads",
        action="store_true",
        help="serialise only DynamoDB writes (benchmarks that read concurrently)",
    )
    args = parser.parse_args()
    stack = LocalStack(host=args.host, port=args.port, serial_reads=not args.parallel_reads)
    print(stack.start(), flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()


if __name__ == "__main__":
    main()
