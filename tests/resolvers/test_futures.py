"""A loader's future shaped when it lands (resolvers/futures.py): the value, either error, and
cancellation, which never reaches the shared load."""

from __future__ import annotations

import asyncio

import pytest

from resolvers.futures import then


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
    # given two fields shaped from one load (a DataLoader's future for one key)
    load: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    first, second = then(load, str), then(load, lambda value: value * 2)
    # when the first is cancelled and the load then lands
    first.cancel()
    load.set_result(21)
    # then the load and the other field still complete
    assert await second == 42
    assert load.result() == 21
    assert first.cancelled()


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
