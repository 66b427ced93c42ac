"""GraphQL layer overhead: API-process CPU per request of the nested query (N = 20), GraphQL
(`prework serve`) against the hand-written Starlette handler of bench/handwritten.py, plus
requests/s with 1 and 2 uvicorn workers.

    .venv/bin/python bench/overhead.py [--rounds 6] [--burst 40] [--seconds 3] [--profile]

moto runs in its own process, each API in its own process; CPU is read from
/proc/<pid>/stat (utime + stime) of the API process (with 2 workers: of the worker
processes) before and after each burst, so moto's and the client's CPU are not counted.
Bursts alternate A B, B A, ... `--profile` also runs each server under cProfile for one burst
(bench/results/overhead-profile.txt). Writes bench/results/overhead.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pstats
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
    BIN,
    MOTO_PIDS,
    NESTED,
    RESULTS,
    api_process,
    children,
    cpu_seconds,
    environment,
    handwritten_command,
    median,
    moto_process,
    seed,
    spread,
    verdict,
    write,
)

N = 20
CONCURRENCY = 4
TARGET = 1.5
COMMAND = ".venv/bin/python bench/overhead.py"
GRAPHQL = "GraphQL (`prework serve`)"
# The product's own code, by layer, in the profile table.
PRODUCT_ROOT = Path(__file__).resolve().parent.parent
PRODUCT_LAYERS = ("graph", "resolvers", "services")
HANDWRITTEN = "hand-written Starlette handler"


@dataclass
class Target:
    name: str
    url: str
    body: bytes
    pids: Callable[[], list[int]]
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    moto_ms: list[float] = field(default_factory=list)


def graphql_body(n: int) -> bytes:
    return orjson.dumps({"query": NESTED, "variables": {"n": n}})


async def burst(
    url: str, body: bytes, token: str, requests: int, concurrency: int
) -> tuple[float, int, dict[str, Any]]:
    """`requests` POSTs, `concurrency` at a time on keep-alive connections. Returns the wall
    time, the number of failed ones and the last response body."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    remaining = requests
    failures = 0
    last: dict[str, Any] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal remaining, failures, last
            while remaining > 0:
                remaining -= 1
                async with session.post(url, data=body, headers=headers) as response:
                    payload = orjson.loads(await response.read())
                    if response.status != 200 or payload.get("errors"):
                        failures += 1
                    last = payload

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, failures, last


def measure_cpu(target: Target, token: str, requests: int, moto_pid: int) -> None:
    pids = target.pids()
    before = sum(cpu_seconds(p) for p in pids)
    moto_before = cpu_seconds(moto_pid)
    wall, failures, _ = asyncio.run(burst(target.url, target.body, token, requests, CONCURRENCY))
    if failures:
        raise RuntimeError(f"{target.name}: {failures} failed requests")
    target.cpu_ms.append((sum(cpu_seconds(p) for p in pids) - before) * 1000 / requests)
    target.moto_ms.append((cpu_seconds(moto_pid) - moto_before) * 1000 / requests)
    target.wall_ms.append(wall * 1000 / requests)


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


def same_data(graphql: dict[str, Any], handwritten: dict[str, Any]) -> bool:
    return bool(graphql.get("data") == handwritten.get("data"))


@contextlib.contextmanager
def servers(settings: Any, workers: int) -> Iterator[tuple[Target, Target]]:
    extra = {"WORKERS": str(workers)}
    with (
        api_process(settings, **extra) as (gql_url, gql),
        api_process(settings, command=handwritten_command(workers)) as (hw_url, hw),
    ):

        def pids_of(process: subprocess.Popen[bytes]) -> Callable[[], list[int]]:
            if workers == 1:
                return lambda: [process.pid]
            # uvicorn's supervisor spawns the workers: count those (the supervisor idles).
            return lambda: [process.pid, *children(process.pid)]

        yield (
            Target(GRAPHQL, f"{gql_url}/graphql", graphql_body(N), pids_of(gql)),
            Target(HANDWRITTEN, f"{hw_url}/nested", orjson.dumps({"n": N}), pids_of(hw)),
        )


def profile_one(settings: Any, token: str, requests: int, *, graphql: bool) -> dict[str, Any]:
    stats_file = RESULTS / ".overhead.prof"
    command = [str(BIN / "python"), "-m", "cProfile", "-o", str(stats_file)]
    if graphql:
        command += ["-m", "graph.cli", "serve", "--port", "{port}"]
        path, body = "/graphql", graphql_body(N)
    else:
        command += ["-m", "uvicorn", *handwritten_command()[1:]]
        path, body = "/nested", orjson.dumps({"n": N})
    with api_process(settings, command=command) as (url, _):
        asyncio.run(burst(f"{url}{path}", body, token, requests, CONCURRENCY))
    stats = pstats.Stats(str(stats_file))
    stats_file.unlink()
    by_package: dict[str, float] = {}
    rows = []
    for (file, line, name), (_, calls, own, _cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name == "run" and file.endswith("runners.py"):
            continue  # the event loop runs in C (uvloop): its own time is mostly waiting
        by_package[package_of(file)] = by_package.get(package_of(file), 0.0) + own
        rows.append((own, calls, f"{package_of(file)} {Path(file).name}:{line} {name}"))
    return {"packages": by_package, "rows": rows}


def profile(settings: Any, token: str, requests: int) -> list[str]:
    """One burst against each server under cProfile (start-up included, but small): own time
    summed per package, side by side, and the GraphQL server's top functions. Writes
    bench/results/overhead-profile.txt; returns the table for the report."""
    gql = profile_one(settings, token, requests, graphql=True)
    hw = profile_one(settings, token, requests, graphql=False)
    names = sorted(
        set(gql["packages"]) | set(hw["packages"]), key=lambda k: -gql["packages"].get(k, 0)
    )
    table = [
        "| package (own time) | GraphQL ms/request | hand-written ms/request |",
        "|---|---:|---:|",
    ]
    for name in names[:12]:
        g, h = gql["packages"].get(name, 0.0), hw["packages"].get(name, 0.0)
        table.append(f"| {name} | {g / requests * 1000:.2f} | {h / requests * 1000:.2f} |")
    text = [
        f"cProfile own time per request over {requests} nested requests (N = {N}); "
        "cProfile inflates Python-heavy code, so compare shares, not absolute times.",
        "",
        *table,
        "",
        "GraphQL server, top functions by own time (ms/request, calls in the burst):",
        "",
    ]
    text += [f"{own / requests * 1000:8.3f}  {calls:8d}  {what}" for own, calls, what in
             sorted(gql["rows"], reverse=True)[:45]]  # fmt: skip
    (RESULTS / "overhead-profile.txt").write_text("\n".join(text) + "\n")
    return table


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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--burst", type=int, default=40, help="requests per burst")
    parser.add_argument("--seconds", type=float, default=3, help="per throughput run")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    began = time.perf_counter()
    if args.profile_only:
        with moto_process() as endpoint:
            seeded = seed(endpoint, people=120)
            print("\n".join(profile(seeded.settings, seeded.admin_token, args.burst)))
        print((RESULTS / "overhead-profile.txt").read_text())
        return
    with moto_process() as endpoint:
        seeded = seed(endpoint, people=120)
        token = seeded.admin_token
        moto_pid = MOTO_PIDS[endpoint]
        with servers(seeded.settings, 1) as (gql, hw):
            # warm-up (caches, connections, JIT-free but lazy imports), and same answers
            _, _, gql_answer = asyncio.run(burst(gql.url, gql.body, token, 30, CONCURRENCY))
            _, _, hw_answer = asyncio.run(burst(hw.url, hw.body, token, 30, CONCURRENCY))
            if not same_data(gql_answer, hw_answer):
                raise RuntimeError("the two servers answer differently")
            for round_number in range(args.rounds):
                for target in (gql, hw) if round_number % 2 == 0 else (hw, gql):
                    measure_cpu(target, token, args.burst, moto_pid)
            rates: dict[tuple[str, int], list[float]] = {}
            for round_number in range(2):
                for target in (gql, hw) if round_number % 2 == 0 else (hw, gql):
                    rates.setdefault((target.name, 1), []).append(
                        asyncio.run(throughput(target.url, target.body, token, args.seconds, 16))
                    )
        with servers(seeded.settings, 2) as (gql2, hw2):
            for target in (gql2, hw2):  # warm-up of both workers
                asyncio.run(burst(target.url, target.body, token, 40, 8))
            for round_number in range(2):
                for target in (gql2, hw2) if round_number % 2 == 0 else (hw2, gql2):
                    rates.setdefault((target.name, 2), []).append(
                        asyncio.run(throughput(target.url, target.body, token, args.seconds, 16))
                    )
        profile_path = profile(seeded.settings, token, args.burst) if args.profile else None

    paired = [g / h for g, h in zip(gql.cpu_ms, hw.cpu_ms, strict=True)]
    ratio = median(paired)
    lines = [
        "## GraphQL layer overhead (API-process CPU per request)",
        "",
        f"Query: the nested query at N = {N} (1 Scan, 2 BatchGetItem, {N} Query per request) as "
        "an admin. GraphQL: `prework serve` (Strawberry, parser + validation caches, orjson "
        "responses). Competitor: `bench/handwritten.py`, a Starlette JSON handler with the same "
        "token check, the same service calls and the same DataLoaders, same response data "
        "(checked). Each in its own process against one moto process; "
        f"{args.rounds} rounds x {args.burst} requests each, {CONCURRENCY} concurrent, "
        "alternating A B / B A. CPU = utime + stime of the API process from /proc.",
        "",
        "| server | CPU ms/request median | min to max | wall ms/request | moto CPU ms/request |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in (gql, hw):
        lines.append(
            f"| {t.name} | {median(t.cpu_ms):.2f} | {spread(t.cpu_ms, 2)} | "
            f"{median(t.wall_ms):.1f} | {median(t.moto_ms):.1f} |"
        )
    lines += [
        "",
        f"- GraphQL / hand-written CPU: **{ratio:.2f}x** (per-round {spread(paired, 2)}), "
        f"target <= {TARGET}x: {verdict(ratio, TARGET, at_least=False)}.",
        "",
        f"Requests/s (16 concurrent clients, {args.seconds:.0f} s runs, 2 runs each, "
        "interleaved; one moto process serves both):",
        "",
        "| server | 1 worker | 2 workers |",
        "|---|---:|---:|",
    ]
    for name in (GRAPHQL, HANDWRITTEN):
        one, two = rates[(name, 1)], rates[(name, 2)]
        lines.append(f"| {name} | {median(one):.0f} ({spread(one, 0)}) | "
                     f"{median(two):.0f} ({spread(two, 0)}) |")  # fmt: skip
    lines += [
        "",
        "- moto is the ceiling: it spends "
        f"{median(gql.moto_ms):.0f} ms of CPU per request (23 DynamoDB calls) in one "
        "Python process, more than either API, so a second API worker cannot add much on "
        "2 CPUs shared by moto, the API and the load client.",
    ]
    if profile_path:
        lines += [
            "",
            "Where the CPU goes (cProfile, own time per package, one burst each; top functions "
            "in `bench/results/overhead-profile.txt`):",
            "",
            *profile_path,
        ]
    lines += [
        "",
        f"Reproduce: `{COMMAND}`. {environment()}. Whole run {time.perf_counter() - began:.0f} s.",
    ]
    write("overhead", lines)


if __name__ == "__main__":
    main()
