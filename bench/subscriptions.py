"""Subscription fan-out: 10,000 graphql-transport-ws subscribers to `submissionStatusChanged`
(as the admin: every event), events at 5/s (50,000 deliveries a second) published by the
product's Redis broker as the upload worker publishes, then by real mutations over HTTP;
latency from the change (the event's `updatedAt`) to receipt. One API process, then two API
processes + Redis. Also the API processes' RSS per idle subscriber.

    .venv/bin/python bench/subscriptions.py [--subscribers 10000] [--rates 5] [--seconds 5]
                                            [--clients 2] [--end-to-end]

Two node processes (bench/subscribers.mjs, `ws`; `--clients`) hold the WebSockets between them
(fd limit raised): one alone needs about half a core while 50,000 messages a second arrive
(about 10 µs a message), so each of two finishes an event's share sooner. The publisher is a
separate process (`--publisher`), so its CPU does not slow the receivers. moto
and redis-server run in their own processes on free loopback ports. Writes
bench/results/subscriptions.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client import REGISTRY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH,
    MOTO_PIDS,
    api_process,
    cpu_seconds,
    free_port,
    moto_process,
    percentile,
    reproduce,
    seed,
    stop,
    verdict,
    write,
)
from services.live.broker import RedisBroker
from services.submissions import workflow
from services.submissions.records import Submission, SubmissionStatus

TARGET_P99_MS = 250
TARGET_RSS_KB = 20
COMMAND = ".venv/bin/python bench/subscriptions.py"
NODE = shutil.which("node") or "node"
SUBSCRIPTION = "subscription { submissionStatusChanged { id status updatedAt } }"
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { version } }"
REJECT = "mutation($id: ID!) { reviewSubmission(id: $id, decision: REJECT) { version } }"
STATUS = "query($id: ID!) { submission(id: $id) { status } }"
CREATE = 'mutation { createSubmission(input: {title: "bench"}) { id } }'


# --- publisher (child process) -----------------------------------------------------------


async def publish(source: dict[str, Any], rate: float, seconds: float) -> None:
    """`rate` events a second for `seconds`, as `source` says: real mutations over HTTP
    ("mutations"), or the product's Redis broker, as the upload worker publishes ("redis")."""
    ids: list[str] = source["ids"]
    if source["kind"] == "redis":
        await _publish_to_redis(source["redis_url"], source["owner"], ids, rate, seconds)
    else:
        await _publish_by_mutations(source["url"], source["token"], ids, rate, seconds)


async def _paced(rate: float, seconds: float, send: Callable[[int], Awaitable[None]]) -> None:
    """Call `send` `rate` times a second; prints each call's duration (ms) for the parent."""
    tasks = []
    took: list[float] = []

    async def timed(i: int) -> None:
        began = time.perf_counter()
        await send(i)
        took.append((time.perf_counter() - began) * 1000)

    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(timed(i)))
    # Bounded: whatever has not finished 10 s after the window is abandoned (and counted).
    _, late = await asyncio.wait(tasks, timeout=10)
    for task in late:
        task.cancel()
        print("publisher: not answered within 10 s of the window", file=sys.stderr)
    print(orjson.dumps({"publish_ms": took}).decode())


async def _publish_to_redis(
    redis_url: str, owner: str, ids: list[str], rate: float, seconds: float
) -> None:
    broker = RedisBroker(redis_url)

    def dropped() -> float:  # the broker counts an event it could not publish, not raises
        labels = {"channel": workflow.CHANNEL}
        return REGISTRY.get_sample_value("prework_events_dropped_total", labels) or 0.0

    async def one(i: int) -> None:
        now = datetime.now(UTC).isoformat()
        status = SubmissionStatus.SUBMITTED if i % 2 else SubmissionStatus.REJECTED
        record = Submission(
            submission_id=ids[i % len(ids)],
            user_id=owner,
            title="bench",
            status=status,
            created_at=now,
            updated_at=now,  # the receipt latency is measured from here
            created_by=owner,
            last_updated_by=owner,
            version=i + 1,
        )
        before = dropped()
        await broker.publish(workflow.CHANNEL, record.to_item())
        if dropped() != before:
            print("publisher: redis refused an event", file=sys.stderr)

    try:
        await _paced(rate, seconds, one)
    finally:
        await broker.aclose()


async def _publish_by_mutations(
    url: str, token: str, ids: list[str], rate: float, seconds: float
) -> None:
    """Alternate submit and reject on each submission."""
    headers = {"Authorization": f"Bearer {token}"}
    locks = {i: asyncio.Lock() for i in ids}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as http:
        state: dict[str, str] = {}
        for sid in ids:  # earlier runs left some SUBMITTED
            answer = await http.post("/graphql", json={"query": STATUS, "variables": {"id": sid}})
            state[sid] = answer.json()["data"]["submission"]["status"]

        async def one(i: int) -> None:
            sid = ids[i % len(ids)]
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

        await _paced(rate, seconds, one)


# --- subscribers (the node client) ------------------------------------------------------


@dataclass
class Received:
    latencies_ms: list[float] = field(default_factory=list)
    subscribers: int = 0
    publish_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # CPU seconds per process over the measured window (publishing + drain), its length
    window_cpu: dict[str, float] = field(default_factory=dict)
    window_s: float = 0.0
    publish_ms: list[float] = field(default_factory=list)
    # the API processes' resident memory per subscriber, all subscribed and idle
    rss_kb_per_subscriber: float = float("nan")
    error_kinds: dict[str, int] = field(default_factory=dict)  # subscriber errors by kind
    warmed: int = 0  # subscribers that received at least one event


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _line(client: asyncio.subprocess.Process, seconds: float) -> dict[str, Any]:
    assert client.stdout is not None
    async with asyncio.timeout(seconds):
        raw = await client.stdout.readline()
    if not raw:
        raise RuntimeError("the subscriber client exited")
    answer: dict[str, Any] = orjson.loads(raw)
    return answer


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run_subscribers(
    urls: list[str],
    token: str,
    n: int,
    source: dict[str, Any],
    rate: float,
    seconds: float,
    watch: dict[str, int],
    clients: int,
) -> tuple[Received, float]:
    """Connect `n` subscribers spread over `urls`, held by `clients` node processes
    (bench/subscribers.mjs), warm up until each got one event, then publish for `seconds` and
    collect latencies and the CPU time of the `watch`ed processes, the clients and the
    publisher. Returns them and the connect time."""
    out = Received(subscribers=n)
    apis = [pid for label, pid in watch.items() if label.startswith("API")]
    await prime(urls, token, source)
    rss_before = sum(rss_kb(pid) for pid in apis)
    async with _clients(urls, token, n, clients) as held:
        connected = await held.lines(120)
        connect_s = max(float(line["connect_s"]) for line in connected)
        failed, warmed = await _warm_up(held, source, 120)
        out.publish_errors += failed
        if not warmed:
            out.errors.append("not every subscriber warmed up within 120 s")
        await asyncio.sleep(1)
        # every subscriber has had an event and waits for the next: idle, as most are
        out.rss_kb_per_subscriber = (sum(rss_kb(pid) for pid in apis) - rss_before) / n
        pids = {**watch, **held.labels()}
        before = {label: cpu_seconds(pid) for label, pid in pids.items()}
        publisher_before = _children_cpu()
        window_began = time.perf_counter()
        await held.tell(b"measure\n")
        failed, out.publish_ms = await asyncio.to_thread(publisher_process, source, rate, seconds)
        out.publish_errors += failed
        await asyncio.sleep(3)  # drain
        out.window_cpu = {label: cpu_seconds(pid) - before[label] for label, pid in pids.items()}
        out.window_cpu["publisher"] = _children_cpu() - publisher_before
        out.window_s = time.perf_counter() - window_began
        for done in await _stop(held):
            out.latencies_ms += [float(v) for v in done["latencies"]]
            out.errors += [str(e) for e in done["errors"]]
            if done["error_count"] > len(done["errors"]):
                out.errors.append(f"... {done['error_count']} subscriber errors in one client")
            for kind, count in done.get("errorKinds", {}).items():
                out.error_kinds[str(kind)] = out.error_kinds.get(str(kind), 0) + int(count)
            out.warmed += int(done.get("warm", 0))
        return out, connect_s


CLIENT = "subscriber client (node)"


@dataclass
class Clients:
    """The node processes holding the subscribers between them (bench/subscribers.mjs)."""

    processes: list[asyncio.subprocess.Process]

    def labels(self) -> dict[str, int]:
        if len(self.processes) == 1:
            return {CLIENT: self.processes[0].pid}
        return {f"{CLIENT} {i + 1}": p.pid for i, p in enumerate(self.processes)}

    async def lines(self, seconds: float) -> list[dict[str, Any]]:
        """The next line of every client."""
        return list(await asyncio.gather(*(_line(p, seconds) for p in self.processes)))

    async def tell(self, command: bytes) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(command)
        await asyncio.gather(*(p.stdin.drain() for p in self.processes if p.stdin is not None))


def client_cpu(window_cpu: dict[str, float]) -> float:
    """CPU seconds of every subscriber client."""
    return sum(seconds for label, seconds in window_cpu.items() if label.startswith(CLIENT))


@contextlib.asynccontextmanager
async def _clients(urls: list[str], token: str, n: int, k: int) -> AsyncIterator[Clients]:
    """`k` node processes holding `n` subscribers between them, each spreading its own over
    `urls`; killed on the way out if still running. A client must not be the bottleneck it
    measures: one node process spends about 10 µs a message (15 µs while it parsed every
    message's stamp), about 100 ms for an event's 10,000."""
    processes = []
    try:
        for i in range(k):
            config = {
                "urls": [u.replace("http://", "ws://") + "/graphql" for u in urls],
                "token": token,
                "subscribers": n // k + (1 if i < n % k else 0),
                "first": i * (n // k) + min(i, n % k),  # subscribers are numbered across clients
                "query": SUBSCRIPTION,
                "field": "submissionStatusChanged",
            }
            processes.append(
                await asyncio.create_subprocess_exec(
                    NODE,
                    str(BENCH / "subscribers.mjs"),
                    orjson.dumps(config).decode(),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=64 * 1024 * 1024,  # the final line carries every latency
                )
            )
        yield Clients(processes)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def _warm_up(
    clients: Clients, source: dict[str, Any], seconds: float
) -> tuple[list[str], bool]:
    """Publish slowly until every subscriber of `clients` has received an event (each
    client's "warm" line), for at most `seconds`. Returns the failed publishes and whether
    they all warmed up."""
    warm = asyncio.create_task(clients.lines(seconds))
    failures: list[str] = []
    while not warm.done():
        failed, _ = await asyncio.to_thread(publisher_process, source, 5, 1)
        failures += failed
        await asyncio.wait([warm], timeout=0.5)
    return failures, warm.exception() is None


async def _stop(clients: Clients) -> list[dict[str, Any]]:
    """Tell `clients` to close their sockets; their final reports."""
    await clients.tell(b"stop\n")
    return await clients.lines(60)


async def prime(urls: list[str], token: str, source: dict[str, Any]) -> None:
    """Ten subscribers connect, receive an event and leave before the RSS baseline is read,
    so what the first sockets cost once (lazy imports, parsed documents, caches) is not
    reported as cost per subscriber: 0.5 kB a subscriber at 10,000 when it was (2026-11-30)."""
    async with _clients(urls, token, 10, 1) as clients:
        await clients.lines(60)
        await _warm_up(clients, source, 60)
        await _stop(clients)


def publisher_process(
    source: dict[str, Any], rate: float, seconds: float
) -> tuple[list[str], list[float]]:
    """Run the publisher child; returns the events it reported as failed, and how long each
    publish took (ms; for mutations, the HTTP round trip including the DynamoDB write)."""
    config = orjson.dumps({"source": source, "rate": rate, "seconds": seconds}).decode()
    done = subprocess.run(
        [sys.executable, __file__, "--publisher", config],
        check=False,
        capture_output=True,
        text=True,
        timeout=seconds + 90,
    )
    failed = [line for line in done.stderr.splitlines() if line.startswith("publisher:")]
    if done.returncode != 0:
        failed.append(f"publisher exited with {done.returncode}: {done.stderr[-300:]}")
    took = [orjson.loads(line)["publish_ms"] for line in done.stdout.splitlines() if line]
    return failed, [float(ms) for ms in (took[-1] if took else [])]


# --- the two set-ups ---------------------------------------------------------------------


REDIS_PIDS: dict[str, int] = {}


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
    url = f"redis://127.0.0.1:{port}/0"
    REDIS_PIDS[url] = process.pid
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.05)
        yield url
    finally:
        stop(process)


def _me(url: str, token: str) -> str:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
        return str(h.post("/graphql", json={"query": "{ me { id } }"}).json()["data"]["me"]["id"])


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
    rate: float

    @property
    def api_cpu_s(self) -> float:
        """API processes' CPU over the measured window."""
        return sum(v for k, v in self.received.window_cpu.items() if k.startswith("API"))


def run_setup(
    label: str,
    urls: list[str],
    watch: dict[str, int],
    token: str,
    source: dict[str, Any],
    rate: float,
    args: argparse.Namespace,
) -> Outcome:
    received, connect_s = asyncio.run(
        run_subscribers(
            urls, token, args.subscribers, source, rate, args.seconds, watch, args.clients
        )
    )
    return Outcome(label, received, int(rate * args.seconds) * args.subscribers, connect_s, rate)


def row(o: Outcome, args: argparse.Namespace) -> str:
    lat, sent = o.received.latencies_ms, o.received.publish_ms
    got = len(lat)
    return (
        f"| {o.label} | {args.subscribers} | {o.rate:g}/s x {args.seconds:g} s | "
        f"{got} / {o.expected} ({got / o.expected:.0%}) | {percentile(lat, 50):.0f} | "
        f"{percentile(lat, 99):.0f} | {max(lat, default=float('nan')):.0f} | "
        f"{o.api_cpu_s:.1f} | {o.api_cpu_s * 1e6 / max(got, 1):.0f} | "
        f"{percentile(sent, 50):.0f} / {percentile(sent, 99):.0f} | "
        f"{len(o.received.errors) + len(o.received.publish_errors)} | "
        f"{o.received.rss_kb_per_subscriber:.1f} |"
    )


def cpu_row(o: Outcome) -> str:
    cpu, window_s = o.received.window_cpu, o.received.window_s
    parts = ", ".join(f"{label} {seconds / window_s:.2f}" for label, seconds in cpu.items())
    return f"| {o.label}, {o.rate:g}/s | {parts} | {sum(cpu.values()) / window_s:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--rates",
        type=lambda text: [float(r) for r in text.split(",")],
        default=[5.0],
        help="events per second, one run each (comma-separated)",
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--clients", type=int, default=2, help="node processes holding the subscribers"
    )
    parser.add_argument(
        "--end-to-end",
        action="store_true",
        help="also events from real mutations (the DynamoDB write in moto included)",
    )
    parser.add_argument("--publisher", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        config = orjson.loads(args.publisher)
        asyncio.run(publish(config["source"], float(config["rate"]), float(config["seconds"])))
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    began = time.perf_counter()
    outcomes: list[Outcome] = []
    with moto_process() as endpoint, redis_server() as redis_url:
        seeded = seed(endpoint, people=0)
        token = seeded.admin_token
        with api_process(seeded.settings) as (url, process):
            ids = make_submissions(url, token, 25)
            owner = _me(url, token)
        redis = {"kind": "redis", "redis_url": redis_url, "owner": owner, "ids": ids}
        # 1. publish -> receipt, events from the product's Redis broker (as the worker sends)
        with api_process(seeded.settings, env={"REDIS_URL": redis_url}) as (url, process):
            for rate in args.rates:
                outcomes.append(
                    run_setup(
                        "1 API process + Redis",
                        [url],
                        {"API": process.pid, "redis": REDIS_PIDS[redis_url]},
                        token,
                        redis,
                        rate,
                        args,
                    )
                )
        with (
            api_process(seeded.settings, env={"REDIS_URL": redis_url}) as (url_a, proc_a),
            api_process(seeded.settings, env={"REDIS_URL": redis_url}) as (url_b, proc_b),
        ):
            two = {"API a": proc_a.pid, "API b": proc_b.pid}
            for rate in args.rates:
                outcomes.append(
                    run_setup(
                        "2 API processes + Redis",
                        [url_a, url_b],
                        {**two, "redis": REDIS_PIDS[redis_url]},
                        token,
                        redis,
                        rate,
                        args,
                    )
                )
            # 2. end to end: events from real mutations (DynamoDB write on moto included)
            mutations = {"kind": "mutations", "url": url_a, "token": token, "ids": ids}
            for rate in args.rates if args.end_to_end else ():
                outcomes.append(
                    run_setup(
                        "2 API processes + Redis, events from mutations",
                        [url_a, url_b],
                        {**two, "moto": MOTO_PIDS[endpoint], "redis": REDIS_PIDS[redis_url]},
                        token,
                        mutations,
                        rate,
                        args,
                    )
                )
        with api_process(seeded.settings) as (url, process):
            # `make run`'s set-up: one process, in-process broker
            for rate in args.rates if args.end_to_end else ():
                outcomes.append(
                    run_setup(
                        "1 API process, in-process broker, events from mutations",
                        [url],
                        {"API": process.pid, "moto": MOTO_PIDS[endpoint]},
                        token,
                        {**mutations, "url": url},
                        rate,
                        args,
                    )
                )

    lines = [
        "## Subscriptions: publish-to-receipt latency",
        "",
        f"{args.subscribers} graphql-transport-ws subscribers ({args.clients} node processes, "
        "`ws`, offering permessage-deflate as browsers do) to "
        "`submissionStatusChanged { id status updatedAt }` as the admin, so every event reaches "
        f"every subscriber: {max(args.rates) * args.subscribers:,.0f} messages a second at "
        f"{max(args.rates):g} events/s. Latency = receipt time - the event's `updatedAt`. "
        "Warm-up first: every subscriber has received an event before measuring.",
        "",
        "- **+ Redis** rows (the target): a separate process publishes each event with the "
        "product's `RedisBroker`, exactly as the upload worker publishes from its process; "
        "`updatedAt` is stamped just before the publish. First one API process holding all "
        "sockets, then two API processes with the sockets split between them.",
        "- **events from mutations** rows (end to end): each event is a real mutation "
        "(`submitSubmission` / `reviewSubmission` REJECT over HTTP, alternating), so the "
        "latency also covers the DynamoDB write; on this machine that write runs in moto, one "
        "Python process whose transactions deep-copy the tables they touch (including the "
        "growing audit table) and which shares the 2 CPUs with everything else.",
        "- *publish call*: how long each publishing call took in the publisher: a Redis "
        "PUBLISH, or the mutation's HTTP round trip (its DynamoDB write included).",
        "",
        "| set-up | subscribers | events | deliveries received | p50 ms | p99 ms | max ms | "
        "API CPU s | API CPU µs per delivery | publish call p50 / p99 ms | errors | "
        "API RSS kB per idle subscriber |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(row(o, args) for o in outcomes),
        "",
        f"Where the CPU goes during the measured window ({args.seconds:g} s of events, until "
        "the last publish is answered, + 3 s to drain), in CPUs (1.00 = one core busy for the "
        f"whole window; the machine has {os.cpu_count()}). API CPU counts every API process, "
        "including serving the publishing mutations.",
        "",
        "| run | CPUs per process | all |",
        "|---|---|---:|",
        *(cpu_row(o) for o in outcomes),
        "",
    ]
    for o in outcomes:
        p99 = percentile(o.received.latencies_ms, 99)
        if o.label.endswith("from mutations"):
            # End to end: includes the DynamoDB write (moto here); not the target's measure.
            sent = percentile(o.received.publish_ms, 99)
            lines.append(
                f"- {o.label}, {o.rate:g} events/s (end to end, write included): p99 "
                f"{p99:.0f} ms; the publishing mutations' own p99 was {sent:.0f} ms."
            )
        else:
            got = len(o.received.latencies_ms)
            rss = o.received.rss_kb_per_subscriber
            used = client_cpu(o.received.window_cpu)
            lines += [
                f"- {o.label}, {args.subscribers} subscribers, {o.rate:g} events/s: p99 "
                f"{p99:.0f} ms, target < {TARGET_P99_MS} ms: "
                f"{verdict(p99, TARGET_P99_MS, at_least=False)}; connecting all took "
                f"{o.connect_s:.1f} s; the {args.clients} client processes used "
                f"{used / o.received.window_s:.2f} CPUs.",
                f"- {o.label}, {o.rate:g} events/s: deliveries {got} of {o.expected}: "
                f"{'**met**' if got == o.expected else '**missed**'} (every message delivered).",
                f"- {o.label}: API RSS per idle subscriber **{rss:.1f} kB**, target < "
                f"{TARGET_RSS_KB} kB: {verdict(rss, TARGET_RSS_KB, at_least=False)}.",
            ]
        if o.received.errors:
            lines.append(f"  first subscriber error: `{o.received.errors[0]}`")
        if o.received.error_kinds or o.received.warmed < args.subscribers:
            kinds = ", ".join(f"`{k}` x{n}" for k, n in o.received.error_kinds.items())
            lines.append(
                f"  {o.received.warmed} of {args.subscribers} subscribers received an event; "
                f"subscriber errors by kind: {kinds or 'none'}"
            )
        if o.received.publish_errors:
            lines.append(
                f"  {len(o.received.publish_errors)} publishing calls failed; first: "
                f"`{o.received.publish_errors[0][:200]}`"
            )
    lines += [
        "",
        reproduce(COMMAND, began),
    ]
    write("subscriptions", lines)


if __name__ == "__main__":
    main()
