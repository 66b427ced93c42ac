"""A loader's future shaped when it lands (resolvers/futures.py): the value, either error, and
cancellation, which never reaches the shared load."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import pytest

from resolvers.futures import Shaped, then

T = TypeVar("T")


async def test_the_value_is_shaped_when_the_load_lands() -> None:
    # given a pending load
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    shaped = then(load, lambda value: f"#{value}")
    # when it lands
    load.set_result(7)
    # then the shaped future has the shaped value
    assert await shaped == "#7"


async def test_the_loads_error_is_the_fields() -> None:
    # given a load that fails
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    shaped = then(load, str)
    load.set_exception(LookupError("gone"))
    # when / then the shaped future raises that error
    with pytest.raises(LookupError, match="gone"):
        await shaped


async def test_an_error_of_the_shape_is_the_fields() -> None:
    # given a shape that refuses the value
    def shape(value: int) -> str:
        raise ValueError(f"bad {value}")

    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    shaped = then(load, shape)
    load.set_result(3)
    # when / then the shaped future raises it
    with pytest.raises(ValueError, match="bad 3"):
        await shaped


async def test_cancelling_the_field_leaves_the_shared_load_alone() -> None:
    # given two fields awaiting shapes of one load (a DataLoader's future for one key)
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    first = asyncio.ensure_future(_awaited(then(load, str)))
    second = asyncio.ensure_future(_awaited(then(load, lambda value: value * 2)))
    await asyncio.sleep(0)
    # when the first is cancelled and the load then lands
    first.cancel()
    await asyncio.sleep(0)
    load.set_result(21)
    # then the load and the other field still complete
    assert await second == 42
    assert load.result() == 21
    assert first.cancelled()


async def test_a_loaders_future_is_kept_with_its_shape_not_wrapped() -> None:
    # given a loader's future
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    # when it is shaped
    shaped = then(load, str)
    # then no future of its own is made: waves complete it from the load's callback
    assert isinstance(shaped, Shaped)
    assert shaped.load is load
    load.set_result(4)
    assert await shaped == "4"


async def test_a_cancelled_load_cancels_the_field() -> None:
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    shaped = then(load, str)
    load.cancel()
    with pytest.raises(asyncio.CancelledError):
        await shaped


async def test_a_coroutine_gets_a_task_and_still_works() -> None:
    # given an awaitable that is not a future
    async def later() -> int:
        await asyncio.sleep(0)
        return 5

    # when / then it is shaped as well
    assert await then(later(), lambda value: value + 1) == 6


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable
