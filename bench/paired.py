"""A change to the GraphQL layer measured as a pair: instructions per nested request, the app
at a base revision against the working tree, in process, under callgrind.

    .venv/bin/python bench/paired.py [--base HEAD] [--size 20] [--requests 10] [--rounds 2]
                                     [--hand]

Why: `bench/overhead.py` cannot see a change of a few percent on this shared 2-CPU machine,
and `bench/instructions.py` counts the whole server, where the AWS client and uvicorn add
their own 2-4% of noise. Here the ASGI app is called in the measuring process (no sockets),
and DynamoDB reads are answered from memory after their first call (`DynamoReads.call`
memoised): what is counted is the product's own work per request, the same on every run to
about 0.1-0.4%. `--hand` counts the hand-written handler (bench/handwritten.py) too, for the
layer's ratio in process.

The base revision is checked out into a temporary git worktree (sharing this `.venv`); both
run against one moto seeded once. Each measured process warms up with 40 requests, then
instrumentation is switched on (`callgrind_control -i on`) for `--requests` requests only.
Prints millions of instructions a request per round and the ratio working tree / base.
Development tool: nothing is written to bench/results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

# The measured process imports the app from its revision's tree (its working directory), so
# nothing of the product is imported here before `main` or `harness` runs.
ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 40


# --- the measured process ------------------------------------------------------------------


def harness(which: str, query: str, size: int, requests: int, token: str) -> None:
    """Runs in the measured process (cwd: the revision's tree): warm up, say "ready", wait
    for "go", run `requests` requests, say "done" and the last answer, wait for "stop"."""
    sys.path.insert(0, os.getcwd())
    from services.platform import dynamodb_reads
    from services.platform.settings import Settings

    memo: dict[tuple[str, bytes], Any] = {}
    real = dynamodb_reads.DynamoReads.call

    async def memoised(self: Any, operation: str, request: dict[str, Any]) -> Any:
        key = (operation, orjson.dumps(request, option=orjson.OPT_SORT_KEYS, default=str))
        if key not in memo:
            memo[key] = await real(self, operation, request)
        return memo[key]

    dynamodb_reads.DynamoReads.call = memoised  # type: ignore[method-assign]
    if which == "product":
        from graph.server.app import create_app

        path = "/graphql"
        body = orjson.dumps({"query": query, "variables": {"n": size}})
    else:
        from bench.handwritten import create_app

        path = "/nested"
        body = orjson.dumps({"n": size})
    app = create_app(Settings())
    headers = [
        (b"host", b"localhost"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-length", str(len(body)).encode()),
    ]

    async def one(state: dict[str, Any]) -> bytes:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 80),
            "state": dict(state),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        out: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                out.append(message.get("body", b""))

        await app(scope, receive, send)  # type: ignore[arg-type]
        return b"".join(out)

    def say(word: str) -> None:
        sys.stdout.write(word + "\n")
        sys.stdout.flush()

    async def main() -> None:
        async with app.router.lifespan_context(app) as state:
            for _ in range(WARM_UP):
                last = await one(state or {})
            say("ready")
            sys.stdin.readline()  # "go": instrumentation is on
            for _ in range(requests):
                answer = await one(state or {})
            say("done")
            sys.stdin.readline()  # "stop": instrumentation is off
            if answer != last:
                raise RuntimeError("the answer changed between requests")
            say(answer.decode())

    asyncio.run(main())


# --- the driver ----------------------------------------------------------------------------


def count(tree: Path, which: str, size: int, requests: int, seeded: dict[str, Any]) -> float:
    """Millions of instructions a request of `which` ("product" or "hand") in `tree`."""
    # The driver's helpers (here, not at the top: the measured process imports nothing of
    # this tree); the environment as bench/instructions.py's: budget lifted, poll rare.
    from bench.instructions import EXTRA, instrument, totals

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        argv = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            str(ROOT / ".venv" / "bin" / "python"),
            str(Path(__file__).resolve()),
            "--harness",
            orjson.dumps(
                {"which": which, "query": seeded["query"], "size": size, "requests": requests}
            ).decode(),
        ]
        env = {**seeded["env"], **EXTRA, "PAIRED_TOKEN": seeded["token"]}
        process = subprocess.Popen(
            argv,
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None

        def expect(word: str) -> None:
            line = process.stdout.readline().strip() if process.stdout else ""
            if line != word:
                raise RuntimeError(f"{which} in {tree}: expected {word!r}, got {line!r}")

        def tell(word: str) -> None:
            assert process.stdin is not None
            process.stdin.write(word + "\n")
            process.stdin.flush()

        try:
            expect("ready")
            instrument(process, True)
            tell("go")
            expect("done")
            instrument(process, False)
            tell("stop")
            answer = orjson.loads(process.stdout.readline())
            if "errors" in answer:
                raise RuntimeError(f"{which} in {tree} answered errors: {answer['errors'][:1]}")
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
        return totals(out) / requests / 1e6


@contextlib.contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """`revision` checked out in a temporary worktree that uses this `.venv`."""
    folder = Path(tempfile.mkdtemp(prefix="paired-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(folder), revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        (folder / ".venv").symlink_to(ROOT / ".venv")
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)],
            check=False,
            cwd=ROOT,
            capture_output=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="the revision to compare against")
    parser.add_argument("--size", type=int, default=20, help="N, the users on the page")
    parser.add_argument("--requests", type=int, default=10, help="measured per process")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hand", action="store_true", help="count the hand-written handler")
    parser.add_argument("--harness", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.harness:
        config = orjson.loads(args.harness)
        harness(
            config["which"],
            config["query"],
            config["size"],
            config["requests"],
            os.environ["PAIRED_TOKEN"],
        )
        return
    sys.path.insert(0, str(ROOT))
    from bench.common import NESTED, moto_process, seed, server_env

    with moto_process() as endpoint:
        seeded_stack = seed(endpoint)
        seeded = {
            "env": {
                k: v
                for k, v in server_env(seeded_stack.settings).items()
                if k not in ("PORT", "PYTHONPATH")
            },
            "token": seeded_stack.admin_token,
            "query": NESTED,
        }
        with worktree(args.base) as base:
            for round_ in range(1, args.rounds + 1):
                old = count(base, "product", args.size, args.requests, seeded)
                new = count(ROOT, "product", args.size, args.requests, seeded)
                line = (
                    f"round {round_}, N = {args.size}: base {old:.4f} M, working tree "
                    f"{new:.4f} M a request: {new / old:.4f}"
                )
                if args.hand:
                    hand = count(ROOT, "hand", args.size, args.requests, seeded)
                    line += f"; hand-written {hand:.4f} M (layer {new / hand:.3f}x)"
                print(line, flush=True)


if __name__ == "__main__":
    main()
