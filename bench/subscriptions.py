"""Subscription fan-out: 1,000 graphql-transport-ws subscribers to `submissionStatusChanged`
(as the admin: every event), events published at a fixed rate by real mutations over HTTP;
latency from the change (the submission's `updatedAt`, stamped before its DynamoDB write) to
receipt. First one API process (in-process broker), then two API processes + Redis.

    .venv/bin/python bench/subscriptions.py [--subscribers 1000] [--rate 50] [--low-rate 5]
                                            [--seconds 5]

One asyncio process holds every WebSocket (fd limit raised); the publisher is a separate
process (`--publisher`), so its CPU does not slow the receivers. moto and redis-server run
in their own processes on free loopback ports. Writes bench/results/subscriptions.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    api_process,
    cpu_seconds,
    environment,
    free_port,
    moto_process,
    percentile,
    seed,
    stop,
    verdict,
    write,
)

TARGET_P99_MS = 250
COMMAND = ".venv/bin/python bench/subscriptions.py"
SUBSCRIPTION = "subscription { submissionStatusChanged { id status updatedAt } }"
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { version } }"
REJECT = "mutation($id: ID!) { reviewSubmission(id: $id, decision: REJECT) { version } }"
STATUS = "query($id: ID!) { submission(id: $id) { status } }"
CREATE = 'mutation { createSubmission(input: {title: "bench"}) { id } }'


# --- publisher (child process) -----------------------------------------------------------


async def publish(url: str, token: str, ids: list[str], rate: float, seconds: float) -> None:
    """Alternate submit and reject on each submission, `rate` mutations a second in all."""
    headers = {"Authorization": f"Bearer {token}"}
    locks = {i: asyncio.Lock() for i in ids}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as http:
        state: dict[str, str] = {}
        for sid in ids:  # earlier runs left some SUBMITTED
            answer = await http.post("/graphql", json={"query": STATUS, "variables": {"id": sid}})
            state[sid] = answer.json()["data"]["submission"]["status"]

        async def one(sid: str) -> None:
            async with locks[sid]:
                query = REJECT if state[sid] == "SUBMITTED" else SUBMIT
                try:
                    answer = await http.post(
                        "/graphql", json={"query": query, "variables": {"id": sid}}
                    )
                    body = answer.json()
                except (httpx.HTTPError, ValueError) as error:
                    print(f"publisher: {type(error).__name__}", file=sys.stderr)
                    return
                if body.get("errors"):
                    print(f"publisher: {body['errors'][0]['message'][:200]}", file=sys.stderr)
                    return
                state[sid] = "REJECTED" if query is REJECT else "SUBMITTED"

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(ids[i % len(ids)])))
        # Bounded: whatever has not finished 10 s after the window is abandoned (and counted).
        _, late = await asyncio.wait(tasks, timeout=10)
        for task in late:
            task.cancel()
            print("publisher: not answered within 10 s of the window", file=sys.stderr)


# --- subscribers -------------------------------------------------------------------------


@dataclass
class Received:
    latencies_ms: list[float] = field(default_factory=list)
    warm: set[int] = field(default_factory=set)
    subscribers: int = 0
    publish_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _updated_at_ms(payload: dict[str, Any]) -> float:
    stamp = payload["data"]["submissionStatusChanged"]["updatedAt"]
    return datetime.fromisoformat(stamp).timestamp() * 1000


async def subscriber(
    url: str,
    token: str,
    index: int,
    total: int,
    ready: asyncio.Event,
    out: Received,
    measuring: dict[str, bool],
    stop_at: asyncio.Event,
) -> None:
    try:
        async with websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        ) as ws:
            await ws.send(
                orjson.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                ).decode()
            )
            ack = orjson.loads(await ws.recv())
            if ack["type"] != "connection_ack":
                raise RuntimeError(f"no ack: {ack}")
            await ws.send(
                orjson.dumps(
                    {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
                ).decode()
            )
            while not stop_at.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                now_ms = time.time() * 1000
                message = orjson.loads(raw)
                if message.get("type") != "next":
                    out.errors.append(str(message)[:200])
                    continue
                if index not in out.warm:
                    out.warm.add(index)
                    if len(out.warm) == total:
                        ready.set()
                if measuring["on"]:
                    out.latencies_ms.append(now_ms - _updated_at_ms(message["payload"]))
    except Exception as error:
        out.errors.append(f"subscriber {index}: {type(error).__name__}: {error}"[:200])


async def run_subscribers(
    urls: list[str],
    token: str,
    n: int,
    publish_to: str,
    ids: list[str],
    rate: float,
    seconds: float,
) -> tuple[Received, float]:
    """Connect `n` subscribers spread over `urls`, warm up until each got one event, then
    publish for `seconds` and collect latencies. Returns them and the connect time."""
    out = Received(subscribers=n)
    ready, stop_at = asyncio.Event(), asyncio.Event()
    measuring = {"on": False}
    began = time.perf_counter()
    tasks = []
    for i in range(n):
        ws_url = urls[i % len(urls)].replace("http://", "ws://") + "/graphql"
        tasks.append(
            asyncio.create_task(subscriber(ws_url, token, i, n, ready, out, measuring, stop_at))
        )
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not flood the accept queue
    connect_s = time.perf_counter() - began
    try:
        await _warm_and_measure(ready, out, measuring, publish_to, token, ids, rate, seconds)
    finally:
        stop_at.set()
        await asyncio.gather(*tasks)
    return out, connect_s


async def _warm_and_measure(
    ready: asyncio.Event,
    out: Received,
    measuring: dict[str, bool],
    publish_to: str,
    token: str,
    ids: list[str],
    rate: float,
    seconds: float,
) -> None:
    # warm-up: publish slowly until every subscriber has received an event
    deadline = time.monotonic() + 120
    while not ready.is_set() and time.monotonic() < deadline:
        out.publish_errors += await asyncio.to_thread(
            publisher_process, publish_to, token, ids, 5, 1
        )
        await asyncio.sleep(0.5)
    if not ready.is_set():
        out.errors.append(f"only {len(out.warm)} of {out.subscribers} subscribers warmed up")
    await asyncio.sleep(1)
    measuring["on"] = True
    out.publish_errors += await asyncio.to_thread(
        publisher_process, publish_to, token, ids, rate, seconds
    )
    await asyncio.sleep(3)  # drain
    measuring["on"] = False


def publisher_process(
    url: str, token: str, ids: list[str], rate: float, seconds: float
) -> list[str]:
    """Run the publisher child; returns the mutations it reported as failed."""
    done = subprocess.run(
        [sys.executable, __file__, "--publisher", url, token, str(rate), str(seconds), *ids],
        check=False,
        capture_output=True,
        text=True,
        timeout=seconds + 90,
    )
    failed = [line for line in done.stderr.splitlines() if line.startswith("publisher:")]
    if done.returncode != 0:
        failed.append(f"publisher exited with {done.returncode}: {done.stderr[-300:]}")
    return failed


# --- the two set-ups ---------------------------------------------------------------------


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: run `make redis`")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def make_submissions(url: str, token: str, count: int) -> list[str]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
        return [
            h.post("/graphql", json={"query": CREATE}).json()["data"]["createSubmission"]["id"]
            for _ in range(count)
        ]


@dataclass
class Outcome:
    label: str
    received: Received
    expected: int
    connect_s: float
    api_cpu_s: float
    rate: float


def run_setup(
    label: str,
    urls: list[str],
    pids: list[int],
    token: str,
    ids: list[str],
    rate: float,
    args: argparse.Namespace,
) -> Outcome:
    before = sum(cpu_seconds(p) for p in pids)
    received, connect_s = asyncio.run(
        run_subscribers(urls, token, args.subscribers, urls[0], ids, rate, args.seconds)
    )
    cpu = sum(cpu_seconds(p) for p in pids) - before
    return Outcome(
        label, received, int(rate * args.seconds) * args.subscribers, connect_s, cpu, rate
    )


def row(o: Outcome, args: argparse.Namespace) -> str:
    lat = o.received.latencies_ms
    got = len(lat)
    return (
        f"| {o.label} | {args.subscribers} | {o.rate:g}/s x {args.seconds:g} s | "
        f"{got} / {o.expected} ({got / o.expected:.0%}) | {percentile(lat, 50):.0f} | "
        f"{percentile(lat, 99):.0f} | {max(lat, default=float('nan')):.0f} | "
        f"{o.api_cpu_s:.1f} | {o.api_cpu_s * 1e6 / max(got, 1):.0f} | "
        f"{len(o.received.errors) + len(o.received.publish_errors)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50, help="events per second")
    parser.add_argument("--low-rate", type=float, default=5, help="first run, events/s")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--publisher", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        url, token, rate, seconds, *ids = args.publisher
        asyncio.run(publish(url, token, ids, float(rate), float(seconds)))
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    began = time.perf_counter()
    outcomes: list[Outcome] = []
    with moto_process() as endpoint:
        seeded = seed(endpoint, people=0)
        token = seeded.admin_token
        with api_process(seeded.settings) as (url, process):
            ids = make_submissions(url, token, 25)
            for rate in (args.low_rate, args.rate):
                outcomes.append(
                    run_setup(
                        "1 API process, in-process broker",
                        [url],
                        [process.pid],
                        token,
                        ids,
                        rate,
                        args,
                    )
                )
        with (
            redis_server() as redis_url,
            api_process(seeded.settings, REDIS_URL=redis_url) as (url_a, proc_a),
            api_process(seeded.settings, REDIS_URL=redis_url) as (url_b, proc_b),
        ):
            for rate in (args.low_rate, args.rate):
                outcomes.append(
                    run_setup(
                        "2 API processes + Redis",
                        [url_a, url_b],
                        [proc_a.pid, proc_b.pid],
                        token,
                        ids,
                        rate,
                        args,
                    )
                )

    lines = [
        "## Subscriptions: publish-to-receipt latency",
        "",
        f"{args.subscribers} graphql-transport-ws subscribers (one asyncio client process) to "
        "`submissionStatusChanged { id status updatedAt }` as the admin (every event reaches "
        "every subscriber). Events are real mutations (`submitSubmission` / `reviewSubmission` "
        f"REJECT over HTTP, from a separate publisher process) at {args.low_rate:g}/s, then at "
        f"the target's {args.rate:g}/s, {args.seconds:g} s each. Latency = receipt time - "
        "`updatedAt` (stamped before the "
        "DynamoDB write, so it includes the write and the publish). Warm-up first: every "
        "subscriber has received an event before measuring.",
        "",
        "| set-up | subscribers | events | deliveries received | p50 ms | p99 ms | max ms | "
        "API CPU s | API CPU µs per delivery | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        *(row(o, args) for o in outcomes),
        "",
    ]
    for o in outcomes:
        p99 = percentile(o.received.latencies_ms, 99)
        lines.append(
            f"- {o.label}, {o.rate:g} events/s: p99 {p99:.0f} ms, target < {TARGET_P99_MS} ms: "
            f"{verdict(p99, TARGET_P99_MS, at_least=False)}; connecting all took "
            f"{o.connect_s:.1f} s."
        )
        if o.received.errors:
            lines.append(f"  first subscriber error: `{o.received.errors[0]}`")
        if o.received.publish_errors:
            lines.append(
                f"  {len(o.received.publish_errors)} publishing mutations failed; first: "
                f"`{o.received.publish_errors[0][:200]}`"
            )
    lines += [
        "",
        f"Reproduce: `{COMMAND}`. {environment()}. Whole run {time.perf_counter() - began:.0f} s.",
    ]
    write("subscriptions", lines)


if __name__ == "__main__":
    main()
