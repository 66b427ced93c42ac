"""eager.start: a send runs inline; only one that has to wait gets a Task."""

from __future__ import annotations

import asyncio

import pytest

from graph.live import eager


async def test_a_coroutine_that_never_waits_completes_inline() -> None:
    # given a coroutine that records and returns without suspending
    seen: list[str] = []

    async def send() -> None:
        seen.append("sent")

    # when it is started
    task = eager.start(send())
    # then it already ran, and no task was needed
    assert task is None
    assert seen == ["sent"]


async def test_a_coroutine_that_waits_is_finished_by_a_task_with_the_awaited_result() -> None:
    # given a coroutine that waits for a future (a full socket buffer) and then uses its value
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def send() -> None:
        seen.append("before")
        seen.append(await gate)

    # when it is started, and the future completes later
    task = eager.start(send())
    assert task is not None
    assert seen == ["before"]  # ran up to the wait, in the caller
    gate.set_result("after")
    await asyncio.wait_for(task, 1)
    # then the rest ran with the future's value
    assert seen == ["before", "after"]


async def test_a_failure_after_the_wait_ends_the_task_with_it() -> None:
    # given a coroutine whose awaited future fails
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def send() -> None:
        await gate

    task = eager.start(send())
    assert task is not None
    # when the future fails
    gate.set_exception(ConnectionResetError("gone"))
    # then the task carries that error
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(task, 1)


async def test_a_failure_before_any_wait_is_raised_to_the_caller() -> None:
    # given a coroutine that fails at once
    async def send() -> None:
        raise ConnectionResetError("gone")

    # when / then it is started: the caller sees the error
    with pytest.raises(ConnectionResetError):
        eager.start(send())


async def test_cancelling_the_task_runs_the_coroutines_cleanup() -> None:
    # given a coroutine waiting on a future that never completes
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    cleaned: list[bool] = []

    async def send() -> None:
        try:
            await gate
        finally:
            cleaned.append(True)

    task = eager.start(send())
    assert task is not None
    await asyncio.sleep(0)
    # when the task is cancelled
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # then the coroutine's finally block ran
    assert cleaned == [True]


async def test_a_bare_yield_is_resumed_on_the_next_loop_turn() -> None:
    # given a coroutine that yields to the loop once (asyncio.sleep(0))
    seen: list[int] = []

    async def send() -> None:
        seen.append(1)
        await asyncio.sleep(0)
        seen.append(2)

    # when it is started
    task = eager.start(send())
    # then it is finished by a task
    assert task is not None
    await asyncio.wait_for(task, 1)
    assert seen == [1, 2]
