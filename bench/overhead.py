"""API-process CPU per request of the nested query, three servers side by side in one run:
the product (`prework serve`), the hand-written Starlette handler (bench/handwritten.py: the
same service calls with no GraphQL layer) and the Node peer (../shared/peer: GraphQL Yoga +
DataLoader + AWS SDK v3, copied to bench/peer/ by `make bench`), at N = 20 and N = 100 users,
first behind one keep-alive proxy in front of moto (as production DynamoDB keeps connections
alive; moto closes every one), then talking to moto directly. Plus requests/s with 1 and 2
uvicorn workers.

    .venv/bin/python bench/overhead.py [--rounds 8] [--burst 40] [--seconds 3] [--profile]

moto runs in its own process, each API in its own process; CPU is read from
/proc/<pid>/stat (utime + stime) of the API process before and after each burst, so moto's,
the proxy's and the client's CPU are not counted. Bursts rotate the order of the three
servers each round. The answers are checked every run: the peer's bytes equal the product's,
the hand-written handler's data equal. `--profile` also runs the product under cProfile and
the peer under `node --cpu-prof` for one burst each (bench/results/overhead-profile.txt).
Writes bench/results/overhead.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pstats
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH,
    BIN,
    NESTED,
    NESTED_PEER,
    RESULTS,
    api_process,
    children,
    cpu_seconds,
    free_port,
    handwritten_command,
    median,
    moto_process,
    reproduce,
    seed,
    spread,
    stop,
    verdict,
    wait_http,
    write,
)

SIZES = (20, 100)
CONCURRENCY = 4
# At N = 100 a request makes ~100 moto calls: 4 such requests at once queue 400 calls in moto's
# one process, past the peer's 10 s SDK request timeout on a busy machine (its answers then
# fail). Two at a time keeps every server's calls well inside it; the ratio is per request.
CONCURRENCY_AT = {20: CONCURRENCY, 100: 2}
PEER_TARGET = 1.0  # product CPU / peer CPU, at most
LAYER_TARGET = 1.10  # product CPU / hand-written CPU, at most
COMMAND = ".venv/bin/python bench/overhead.py"
PRODUCT = "product (`prework serve`)"
HANDWRITTEN = "hand-written Starlette handler"
PEER = "Node peer (Yoga + DataLoader + SDK v3)"
PEER_DIR = BENCH / "peer"
# Writes the peer's --cpu-prof file on SIGTERM (node exits without it otherwise); loaded with
# --import, so the competitor's own files stay untouched.
EXIT_ON_SIGTERM = BENCH / "peer_exit.mjs"
PRODUCT_ROOT = Path(__file__).resolve().parent.parent
PRODUCT_LAYERS = ("graph", "resolvers", "services")
PROXY = "keep-alive proxy"
DIRECT = "direct"


@dataclass
class Target:
    name: str
    url: str
    pids: Callable[[], list[int]]
    cpu_ms: dict[int, list[float]] = field(default_factory=dict)
    wall_ms: dict[int, list[float]] = field(default_factory=dict)

    def body(self, n: int) -> bytes:
        return request_body(self.name, n)


def request_body(server: str, n: int) -> bytes:
    if server == HANDWRITTEN:
        return orjson.dumps({"n": n})
    query = NESTED_PEER if server == PEER else NESTED
    return orjson.dumps({"query": query, "variables": {"n": n}})


async def burst(
    url: str, body: bytes, token: str, requests: int, concurrency: int
) -> tuple[float, int, bytes]:
    """`requests` POSTs, `concurrency` at a time on keep-alive connections. Returns the wall
    time, the number of failed ones and the last response body."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    remaining = requests
    failures = 0
    last = b""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal remaining, failures, last
            while remaining > 0:
                remaining -= 1
                async with session.post(url, data=body, headers=headers) as response:
                    raw = await response.read()
                    if response.status != 200 or orjson.loads(raw).get("errors"):
                        failures += 1
                        print(f"failed: {response.status} {raw[:300]!r}", file=sys.stderr)
                    last = raw

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, failures, last


def measure_cpu(target: Target, n: int, token: str, requests: int) -> None:
    pids = target.pids()
    before = sum(cpu_seconds(p) for p in pids)
    wall, failures, _ = asyncio.run(
        burst(target.url, target.body(n), token, requests, CONCURRENCY_AT[n])
    )
    if failures:
        raise RuntimeError(f"{target.name}: {failures} failed requests")
    used = (sum(cpu_seconds(p) for p in pids) - before) * 1000 / requests
    target.cpu_ms.setdefault(n, []).append(used)
    target.wall_ms.setdefault(n, []).append(wall * 1000 / requests)


async def throughput(url: str, body: bytes, token: str, seconds: float, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    done = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


@contextlib.contextmanager
def keep_alive_proxy(moto: str, count: int) -> Iterator[list[str]]:
    """The peer's proxy.mjs in front of moto, one listener (port) per API."""
    ports = [free_port() for _ in range(count)]
    process = subprocess.Popen(
        ["node", str(PEER_DIR / "proxy.mjs"), moto, *map(str, ports)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        wait_http(f"{urls[0]}/__proxy_stats", process=process)
        yield urls
    finally:
        stop(process)


@contextlib.contextmanager
def peer_process(
    settings: Any, endpoint: str, *, profile_dir: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The Node peer at steady state (`--no-memory-reducer`, as its README says)."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": settings.aws_region,
        "TABLE_PREFIX": settings.table_prefix,
        "STAGE": settings.stage,
        "COGNITO_USER_POOL_ID": settings.cognito_user_pool_id or "",
        "COGNITO_CLIENT_ID": settings.cognito_client_id or "",
        "CURSOR_SECRET": settings.cursor_secret,
        "PAGE_SIZE_MAX": str(settings.page_size_max),
        "NODE_NO_WARNINGS": "1",
    }
    argv = ["node", "--no-memory-reducer"]
    if profile_dir is not None:
        argv += ["--cpu-prof", f"--cpu-prof-dir={profile_dir}", "--import", str(EXIT_ON_SIGTERM)]
    process = subprocess.Popen(
        [*argv, "server.mjs"],
        cwd=PEER_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz", process=process)
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            stop(process)


@contextlib.contextmanager
def servers(
    settings: Any, endpoints: list[str], workers: int = 1
) -> Iterator[tuple[Target, Target, Target]]:
    """The three APIs, each against its own endpoint (its proxy port, or moto itself)."""
    # The benchmark is one client sending bursts: lift the per-client budget (docs/limits.md),
    # which would otherwise throttle it, as it would any one client asking this much.
    extra = {
        "WORKERS": str(workers),
        "BUDGET_POINTS": "100000000",
        "BUDGET_POINTS_PER_SECOND": "1000000",
    }
    mine, handwritten, peers = endpoints

    def on(endpoint: str) -> Any:
        return settings.model_copy(update={"aws_endpoint_url": endpoint})

    with (
        api_process(on(mine), env=extra) as (gql_url, gql),
        api_process(on(handwritten), command=handwritten_command(workers), env=extra) as (
            hw_url,
            hw,
        ),
        peer_process(settings, peers) as (peer_url, peer),
    ):

        def pids_of(process: subprocess.Popen[bytes]) -> Callable[[], list[int]]:
            if workers == 1:
                return lambda: [process.pid]
            # uvicorn's supervisor spawns the workers: count those (the supervisor idles).
            return lambda: [process.pid, *children(process.pid)]

        yield (
            Target(PRODUCT, f"{gql_url}/graphql", pids_of(gql)),
            Target(HANDWRITTEN, f"{hw_url}/nested", pids_of(hw)),
            Target(PEER, f"{peer_url}/graphql", lambda: [peer.pid]),
        )


def check_answers(targets: tuple[Target, Target, Target], token: str, n: int) -> None:
    """Warm every server up, then insist on the same answers: the peer's bytes equal the
    product's (cursors included), the hand-written handler's data equal."""
    product, handwritten, peer = targets
    answers = {}
    for t, warm in ((product, 40), (handwritten, 40), (peer, 200)):
        answers[t.name] = asyncio.run(burst(t.url, t.body(n), token, warm, CONCURRENCY_AT[n]))[2]
    # `data` byte for byte: the product's answers also carry `extensions.cost` (issue 12)
    if _data_bytes(answers[PRODUCT]) != _data_bytes(answers[PEER]):
        raise RuntimeError(f"the peer answers differently at N = {n}")
    if orjson.loads(answers[PRODUCT])["data"] != orjson.loads(answers[HANDWRITTEN])["data"]:
        raise RuntimeError(f"the hand-written handler answers differently at N = {n}")


def _data_bytes(raw: bytes) -> bytes:
    """The raw `data` member of a JSON response, as sent (both servers write it first)."""
    start = raw.index(b'"data":')
    end = raw.rindex(b',"extensions":') if b',"extensions":' in raw else len(raw) - 1
    return raw[start:end]


def run_mode(
    settings: Any, moto: str, mode: str, token: str, rounds: int, requests: int
) -> tuple[Target, Target, Target]:
    proxy = keep_alive_proxy(moto, 3) if mode == PROXY else contextlib.nullcontext([moto] * 3)
    with proxy as endpoints, servers(settings, endpoints) as targets:
        for n in SIZES:
            check_answers(targets, token, n)
        for n in SIZES:
            for round_number in range(rounds):
                shift = round_number % 3
                for target in targets[shift:] + targets[:shift]:
                    measure_cpu(target, n, token, requests if n == 20 else max(requests // 4, 10))
        return targets


def ratios(a: Target, b: Target, n: int) -> list[float]:
    return [x / y for x, y in zip(a.cpu_ms[n], b.cpu_ms[n], strict=True)]


def profile_product(settings: Any, token: str, requests: int) -> dict[str, Any]:
    stats_file = RESULTS / ".overhead.prof"
    command = [str(BIN / "python"), "-m", "cProfile", "-o", str(stats_file)]
    command += ["-m", "graph.cli", "serve", "--port", "{port}"]
    with api_process(settings, command=command) as (url, _):
        # start-up and the first requests' lazy work are in the file too (small at this size)
        asyncio.run(burst(f"{url}/graphql", request_body(PRODUCT, 20), token, requests, 4))
    stats = pstats.Stats(str(stats_file))
    stats_file.unlink()
    by_package: dict[str, float] = {}
    rows = []
    for (file, line, name), (_, calls, own, _cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name == "run" and file.endswith("runners.py"):
            continue  # the event loop runs in C (uvloop): its own time is mostly waiting
        by_package[package_of(file)] = by_package.get(package_of(file), 0.0) + own
        rows.append((own, calls, f"{package_of(file)} {Path(file).name}:{line} {name}"))
    total = sum(by_package.values())
    return {"packages": {k: v / total for k, v in by_package.items()}, "rows": rows}


def profile_peer(settings: Any, token: str, requests: int) -> dict[str, float]:
    """Self time per package from one `node --cpu-prof` run (shares of the sampled CPU)."""
    directory = RESULTS / ".peer-profile"
    directory.mkdir(exist_ok=True)
    for old in directory.glob("*.cpuprofile"):
        old.unlink()
    with peer_process(settings, settings.aws_endpoint_url, profile_dir=directory) as (url, _):
        body = request_body(PEER, 20)
        asyncio.run(burst(f"{url}/graphql", body, token, 200, CONCURRENCY))
        asyncio.run(burst(f"{url}/graphql", body, token, requests, CONCURRENCY))
    files = sorted(directory.glob("*.cpuprofile"))
    if not files:
        return {}
    data = json.loads(files[-1].read_text())
    for f in files:
        f.unlink()
    frames = {node["id"]: node["callFrame"] for node in data["nodes"]}
    own: dict[str, float] = {}
    for sample, delta in zip(data["samples"], data["timeDeltas"], strict=True):
        frame = frames[sample]
        if frame["functionName"] == "(idle)":
            continue
        key = node_package(frame["url"], frame["functionName"])
        own[key] = own.get(key, 0.0) + delta
    total = sum(own.values()) or 1.0
    return {k: v / total for k, v in own.items()}


def node_package(url: str, function: str) -> str:
    if "node_modules/" in url:
        rest = url.rsplit("node_modules/", maxsplit=1)[-1].split("/")
        return "/".join(rest[:2]) if rest[0].startswith("@") else rest[0]
    if url.endswith("server.mjs"):
        return "peer server.mjs"
    if url.startswith("node:"):
        return "node: built-in modules"
    if not url:
        return "V8 / GC / native" if function.startswith("(") else "native"
    return "other"


def package_of(path: str) -> str:
    if path == "~":
        return "builtins (C)"
    parts = Path(path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    resolved = Path(path).resolve()
    for layer in PRODUCT_LAYERS:
        if resolved.is_relative_to(PRODUCT_ROOT / layer):
            return f"product {layer}/"
    return "stdlib"


def profile(settings: Any, token: str, requests: int) -> list[str]:
    """Where each server's CPU goes, as shares (cProfile for the product, V8's sampling
    profiler for the peer). Writes bench/results/overhead-profile.txt; returns the tables."""
    product = profile_product(settings, token, requests)
    peer = profile_peer(settings, token, requests)

    def table(title: str, shares: dict[str, float]) -> list[str]:
        rows = [f"| {title} | share of CPU |", "|---|---:|"]
        for name, share in sorted(shares.items(), key=lambda kv: -kv[1])[:10]:
            rows.append(f"| {name} | {share:.0%} |")
        return rows

    tables = [
        *table("product: package (cProfile own time)", product["packages"]),
        "",
        *table("peer: package (V8 --cpu-prof self time)", peer),
    ]
    text = [
        f"One burst of {requests} nested requests (N = 20) against each server. cProfile "
        "inflates Python-heavy code; V8's profiler samples: compare shares, not times.",
        "",
        *tables,
        "",
        "Product, top functions by own time (ms/request, calls in the burst):",
        "",
    ]
    text += [f"{own / requests * 1000:8.3f}  {calls:8d}  {what}" for own, calls, what in
             sorted(product["rows"], reverse=True)[:45]]  # fmt: skip
    (RESULTS / "overhead-profile.txt").write_text("\n".join(text) + "\n")
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--burst", type=int, default=40, help="requests per burst at N = 20")
    parser.add_argument("--seconds", type=float, default=3, help="per throughput run")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--modes", default=f"{PROXY},{DIRECT}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (PEER_DIR / "node_modules").exists():
        raise SystemExit("bench/peer/ is missing: `make bench` copies ../shared/peer there")
    began = time.perf_counter()
    results: dict[str, tuple[Target, Target, Target]] = {}
    with moto_process() as endpoint:
        seeded = seed(endpoint, people=120)
        token = seeded.admin_token
        for mode in args.modes.split(","):
            results[mode] = run_mode(
                seeded.settings, endpoint, mode, token, args.rounds, args.burst
            )
        rates: dict[tuple[str, int], list[float]] = {}
        for workers in (1, 2):
            with servers(seeded.settings, [endpoint] * 3, workers) as targets:
                for target in targets:  # warm-up (of both workers)
                    asyncio.run(burst(target.url, target.body(20), token, 60, 8))
                for round_number in range(2):
                    for target in targets if round_number % 2 == 0 else targets[::-1]:
                        if workers == 2 and target.name == PEER:
                            continue  # the peer is one Node process
                        rates.setdefault((target.name, workers), []).append(
                            asyncio.run(
                                throughput(target.url, target.body(20), token, args.seconds, 16)
                            )
                        )
        profile_tables = profile(seeded.settings, token, args.burst) if args.profile else None

    lines = [
        "## CPU per request against the Node peer and the hand-written handler",
        "",
        "Query: the nested query of `bench/common.py` (`users(first: N) { profile { manager "
        "{ email } } submissions(first: 5) { … } }`; 1 Scan, 2 BatchGetItem and N Query "
        "calls) as an admin. Three API processes in one run: the product, the hand-written "
        "handler and the Node peer (`node --no-memory-reducer`), each at steady state; "
        f"{args.rounds} rounds per size, the order of the three rotating each round; "
        f"{args.burst} requests a burst at N = 20, {max(args.burst // 4, 10)} at N = 100, "
        f"{CONCURRENCY_AT[20]} concurrent at N = 20, {CONCURRENCY_AT[100]} at N = 100. "
        "CPU = utime + stime of the API process from /proc. The "
        "peer's answers are byte-identical to the product's (checked each run, each N).",
        "",
        "| mode | N | server | CPU ms/request median | min to max | wall ms/request |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for mode, targets in results.items():
        for n in SIZES:
            for t in targets:
                lines.append(
                    f"| {mode} | {n} | {t.name} | {median(t.cpu_ms[n]):.2f} | "
                    f"{spread(t.cpu_ms[n], 2)} | {median(t.wall_ms[n]):.1f} |"
                )
    lines.append("")
    for mode, (product, _, peer) in results.items():
        for n in SIZES:
            vs_peer = ratios(product, peer, n)
            lines.append(
                f"- {mode}, N = {n}: product vs peer CPU per request: "
                f"**{median(vs_peer):.2f}x** (per-round {spread(vs_peer, 2)}), target <= "
                f"{PEER_TARGET:.1f}x: {verdict(median(vs_peer), PEER_TARGET, at_least=False)}."
            )
    for mode, (product, handwritten, _) in results.items():
        for n in SIZES:
            layer = ratios(product, handwritten, n)
            lines.append(
                f"- {mode}, N = {n}: GraphQL layer, product vs hand-written CPU: "
                f"**{median(layer):.2f}x** (per-round {spread(layer, 2)}), target <= "
                f"{LAYER_TARGET:.2f}x: {verdict(median(layer), LAYER_TARGET, at_least=False)}."
            )
    lines += [
        "",
        f"Requests/s at N = 20 (16 concurrent clients, {args.seconds:.0f} s runs, 2 runs "
        "each, interleaved, straight to moto; one moto process serves all):",
        "",
        "| server | 1 worker | 2 workers |",
        "|---|---:|---:|",
    ]
    for name in (PRODUCT, HANDWRITTEN, PEER):
        one, two = rates[(name, 1)], rates.get((name, 2))
        second = f"{median(two):.0f} ({spread(two, 0)})" if two else "— (one Node process)"
        lines.append(f"| {name} | {median(one):.0f} ({spread(one, 0)}) | {second} |")
    lines += [
        "",
        "- moto is the ceiling of requests/s: one Python process answering every DynamoDB "
        "call of all three servers.",
    ]
    if profile_tables:
        lines += [
            "",
            "Where the CPU goes (one burst each; top functions in "
            "`bench/results/overhead-profile.txt`):",
            "",
            *profile_tables,
        ]
    lines += [
        "",
        reproduce(COMMAND, began),
    ]
    write("overhead", lines)


if __name__ == "__main__":
    main()
