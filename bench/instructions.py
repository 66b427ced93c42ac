"""Target 2 of issue 16 counted in instructions: the API process's instructions per nested
request, the product against the hand-written handler, under callgrind.

    .venv/bin/python bench/instructions.py [--requests 40]

CPU time on this shared 2-core VM swings by a fifth from one burst to the next, so
`bench/overhead.py` needs many rounds and still cannot see a change of a few percent. An
instruction count is the same from run to run within about 2-4% (seen here), whatever the
other core is doing, so it can. It is not the target: cache misses, system calls and waiting
are not in it, and the target stays the CPU ratio of bench/overhead.py.

Both servers run at once, each under `valgrind --tool=callgrind --instr-atstart=no` behind
its own port of the keep-alive proxy in front of one moto (as in bench/overhead.py).
Instrumentation is switched on (`callgrind_control -i on`) only around the measured burst,
after a warm-up, so start-up is not counted. The product's revocation poll runs every 60 s
here instead of every second: valgrind makes a request about 50 times slower, which would
charge each request 50 times its real share of the poll (bench/overhead.py measures it in
real time). Writes bench/results/instructions.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BIN,
    api_process,
    handwritten_command,
    moto_process,
    reproduce,
    seed,
    verdict,
    write,
)
from bench.overhead import (
    CONCURRENCY_AT,
    HANDWRITTEN,
    LAYER_TARGET,
    PRODUCT,
    SIZES,
    burst,
    keep_alive_proxy,
    request_body,
)

COMMAND = ".venv/bin/python bench/instructions.py"
WARM_UP = 30
# The per-client budget is lifted as in bench/overhead.py; the poll as the docstring says.
EXTRA = {
    "BUDGET_POINTS": "100000000",
    "BUDGET_POINTS_PER_SECOND": "1000000",
    "REVOCATION_POLL_SECONDS": "60",
    "PYTHONHASHSEED": "0",
}


def under_callgrind(
    settings: Any, argv: list[str], out: Path
) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """The server of `argv` under callgrind, counting nothing until `instrument` says so."""
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    return api_process(
        settings,
        command=argv,
        env=EXTRA,
        wrapper=[*valgrind, f"--callgrind-out-file={out}"],
        start_timeout=600,  # about 50 times slower under valgrind
        stop_timeout=120,
    )


def instrument(process: subprocess.Popen[Any], on: bool) -> None:
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(process.pid)],
        check=True,
        capture_output=True,
    )


def totals(out: Path) -> int:
    """The instructions callgrind counted while instrumentation was on."""
    for line in out.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {out}")


def measure(
    url: str, process: subprocess.Popen[bytes], body: bytes, token: str, n: int, requests: int
) -> bytes:
    asyncio.run(burst(url, body, token, WARM_UP, CONCURRENCY_AT[n]))
    instrument(process, True)
    _, failures, last = asyncio.run(burst(url, body, token, requests, CONCURRENCY_AT[n]))
    instrument(process, False)
    if failures:
        raise RuntimeError(f"{url}: {failures} failed requests")
    return last


def run_size(
    settings: Any, endpoints: list[str], token: str, n: int, requests: int, folder: Path
) -> dict[str, float]:
    """Both servers at once, each with its own burst: M instructions a request."""
    contenders = {
        PRODUCT: ([str(BIN / "prework"), "serve", "--port", "{port}"], endpoints[0], "/graphql"),
        HANDWRITTEN: (handwritten_command(), endpoints[1], "/nested"),
    }
    outs = {name: folder / f"{n}-{i}.out" for i, name in enumerate(contenders)}
    answers: dict[str, bytes] = {}
    with contextlib.ExitStack() as stack:
        running = {
            name: stack.enter_context(
                under_callgrind(
                    settings.model_copy(update={"aws_endpoint_url": endpoint}), argv, outs[name]
                )
            )
            for name, (argv, endpoint, _) in contenders.items()
        }
        with ThreadPoolExecutor(max_workers=len(running)) as pool:
            futures = {
                name: pool.submit(
                    measure,
                    url + contenders[name][2],
                    process,
                    request_body(name, n),
                    token,
                    n,
                    requests,
                )
                for name, (url, process) in running.items()
            }
            answers = {name: future.result() for name, future in futures.items()}
    if orjson.loads(answers[PRODUCT])["data"] != orjson.loads(answers[HANDWRITTEN])["data"]:
        raise RuntimeError(f"the hand-written handler answers differently at N = {n}")
    time.sleep(1)  # callgrind writes its file as the process exits
    return {name: totals(out) / requests / 1e6 for name, out in outs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="measured at N = 20")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian's valgrind package)")
    began = time.perf_counter()
    results: dict[int, dict[str, float]] = {}
    with (
        moto_process() as moto,
        tempfile.TemporaryDirectory(prefix="callgrind-") as folder,
    ):
        seeded = seed(moto, people=120)
        with keep_alive_proxy(moto, 2) as endpoints:
            for n in SIZES:
                requests = args.requests if n == 20 else max(args.requests // 4, 10)
                results[n] = run_size(
                    seeded.settings, endpoints, seeded.admin_token, n, requests, Path(folder)
                )
    lines = [
        "## The GraphQL layer in instructions (callgrind)",
        "",
        "Instructions the API process runs per nested request (the query of "
        "`bench/overhead.py`), counted by callgrind only during the measured burst; the "
        "product and the hand-written handler at once, each behind its own port of the "
        "keep-alive proxy in front of one moto. Repeatable within about 2-4% on this VM, "
        "where CPU time is not; not the target itself (no cache misses, system calls or "
        "waiting), which stays the CPU ratio of `bench/overhead.py`.",
        "",
        "| N | product M instructions | hand-written M instructions | product / hand-written |",
        "|---:|---:|---:|---:|",
    ]
    for n, counted in results.items():
        ratio = counted[PRODUCT] / counted[HANDWRITTEN]
        lines.append(
            f"| {n} | {counted[PRODUCT]:.2f} | {counted[HANDWRITTEN]:.2f} | {ratio:.3f}x |"
        )
    for n, counted in results.items():
        ratio = counted[PRODUCT] / counted[HANDWRITTEN]
        lines.append(
            f"- GraphQL layer in instructions vs hand-written at N = {n}: {ratio:.2f}x "
            f"(the CPU target is {LAYER_TARGET:.2f}x): "
            f"{verdict(ratio, LAYER_TARGET, at_least=False)}"
        )
    lines += [
        "",
        reproduce(COMMAND, began),
    ]
    write("instructions", lines)


if __name__ == "__main__":
    main()
