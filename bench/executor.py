"""The GraphQL layer alone: the schema's executor (graph/execution.py) against Strawberry's
own, on the nested query of bench/overhead.py, with no AWS call during the measurement.

    .venv/bin/python bench/executor.py [--rounds 12] [--block 20]

The service reads the nested query makes (the page of users, users and profiles by id, each
person's submissions) are made once against a real moto server and their results kept; the
measured runs get those same results back from memory, after one event-loop turn each (as
an answered call would arrive). So what differs between the runs is only what runs above the
services: the token check, the operation's extensions, execution and JSON encoding. Three
contenders in one process on uvloop (as `prework serve` runs), blocks interleaved, rotating:
- ours: `build_schema` as the API builds it;
- Strawberry's: the same types and extensions, Strawberry's executor and name converter;
- the hand-written handler (bench/handwritten.py `nested`): the same service calls, no GraphQL.
CPU = this process's `time.process_time()` per operation. Writes bench/results/executor.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Any

import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import graph.schema as api_schema
from bench import handwritten
from bench.common import NESTED, median, moto_process, reproduce, seed, spread, write
from graph.context import Context
from services.people import profiles, users
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope
from services.submissions import workflow

SIZES = (20, 100)
COMMAND = ".venv/bin/python bench/executor.py"
Operation = Callable[[], Awaitable[bytes]]


def replay(
    name: str,
    call: Callable[..., Awaitable[Any]],
    key: Callable[[dict[str, Any]], Hashable],
    kept: dict[Hashable, Any],
) -> Callable[..., Awaitable[Any]]:
    """`call` made for real the first time a key is seen, its result given back afterwards."""

    async def replaying(**kwargs: Any) -> Any:
        k = (name, key(kwargs))
        if k in kept:
            await asyncio.sleep(0)  # an answered call resumes its caller on a later turn
            return kept[k]
        kept[k] = result = await call(**kwargs)
        return result

    return replaying


def keep_service_reads() -> None:
    kept: dict[Hashable, Any] = {}
    users.list_users = replay(  # type: ignore[assignment]
        "users", users.list_users, lambda kw: (kw["first"], kw["after"]), kept
    )
    users.get_users = replay(  # type: ignore[assignment]
        "users by id", users.get_users, lambda kw: tuple(kw["ids"]), kept
    )
    profiles.get_profiles = replay(  # type: ignore[assignment]
        "profiles by id", profiles.get_profiles, lambda kw: tuple(kw["ids"]), kept
    )
    workflow.by_user_page = replay(  # type: ignore[assignment]
        "submissions",
        workflow.by_user_page,
        lambda kw: (kw["user_id"], kw["first"], kw["after"], kw["order"], kw["status"]),
        kept,
    )


async def measure(settings: Settings, token: str, rounds: int, block: int) -> dict[int, Any]:
    ours = api_schema.build_schema(settings)
    theirs = api_schema.Schema(
        query=api_schema.Query,
        mutation=api_schema.Mutation,
        subscription=api_schema.Subscription,
        extensions=api_schema.OperationParts.of(settings).extensions(),
        execution_context_class=StrawberryGraphQLCoreExecutionContext,
    )
    results: dict[int, Any] = {}
    async with RuntimeScope(settings) as runtime:

        def graphql(schema: Any, n: int) -> Operation:
            async def run() -> bytes:
                identity = await runtime.verifier.verify(token)
                context = Context(runtime=runtime, request_id="bench", identity=identity)
                result = await schema.execute(
                    NESTED, variable_values={"n": n}, context_value=context
                )
                if result.errors:
                    raise RuntimeError(f"the query failed: {result.errors}")
                return orjson.dumps({"data": result.data, "extensions": result.extensions})

            return run

        def by_hand(n: int) -> Operation:
            async def run() -> bytes:
                return orjson.dumps(await handwritten.nested(runtime, token, n))

            return run

        for n in SIZES:
            contenders = {
                "ours": graphql(ours, n),
                "Strawberry's": graphql(theirs, n),
                "hand-written": by_hand(n),
            }
            answers = {name: orjson.loads(await run()) for name, run in contenders.items()}
            if (
                not answers["ours"]["data"]
                == answers["Strawberry's"]["data"]
                == (answers["hand-written"]["data"])
            ):
                raise RuntimeError(f"the answers differ at N = {n}")
            for run in contenders.values():  # warm-up
                for _ in range(block):
                    await run()
            count = block if n == 20 else max(block // 4, 5)
            cpu: dict[str, list[float]] = {name: [] for name in contenders}
            names = list(contenders)
            for round_number in range(rounds):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    gc.collect()  # each block pays for its own garbage, not the one before's
                    started = time.process_time()
                    for _ in range(count):
                        await contenders[name]()
                    cpu[name].append((time.process_time() - started) * 1000 / count)
            results[n] = cpu
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--block", type=int, default=20, help="operations a block at N = 20")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the access and call logs are not what is measured
    began = time.perf_counter()
    with moto_process() as endpoint:
        seeded = seed(endpoint, people=120)
        settings = seeded.settings.model_copy(
            update={"budget_points": 100_000_000, "budget_points_per_second": 1_000_000}
        )
        keep_service_reads()
        results = uvloop.run(measure(settings, seeded.admin_token, args.rounds, args.block))
    lines = [
        "## The GraphQL layer alone: our executor against Strawberry's",
        "",
        "The nested query of `bench/overhead.py` in one process on uvloop, its service reads "
        "answered from memory (made once against moto, then given back after one event-loop "
        "turn), so only the token check, the operation's extensions, execution and JSON "
        "encoding run. Ours: the API's schema (`graph/execution.py`); Strawberry's: the same "
        "types and extensions with Strawberry's executor and name converter; hand-written: "
        "bench/handwritten.py, the same service calls with no GraphQL. "
        f"{args.rounds} rounds of interleaved blocks ({args.block} operations at N = 20, "
        f"{max(args.block // 4, 5)} at N = 100), rotating, a garbage collection before each; "
        "answers checked equal.",
        "",
        "| N | ours ms | Strawberry's ms | hand-written ms | ours / Strawberry's (per round) "
        "| GraphQL layer, ours / Strawberry's |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n, cpu in results.items():
        paired = [a / b for a, b in zip(cpu["ours"], cpu["Strawberry's"], strict=True)]
        hand = median(cpu["hand-written"])
        ours, theirs = median(cpu["ours"]), median(cpu["Strawberry's"])
        lines.append(
            f"| {n} | {ours:.2f} | {theirs:.2f} | {hand:.2f} | **{median(paired):.2f}x** "
            f"({spread(paired, 2)}) | {(ours - hand) / (theirs - hand):.2f}x |"
        )
    lines += [
        "",
        "- The GraphQL layer column subtracts the hand-written handler's CPU (what the "
        "services and the JSON of the answer cost) from both.",
        "",
        reproduce(COMMAND, began),
    ]
    write("executor", lines)


if __name__ == "__main__":
    main()
