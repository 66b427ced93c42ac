"""A loader's future shaped by a function when it lands, with no coroutine and no Task.

A resolver that only awaits one load and wraps the record (a profile, a linked person) is
written as a plain function returning `then(load, shape)`: a coroutine would cost a Task per
field (81 a request at a page of 20 users; bench/notes.md), the future costs one callback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def then(load: Awaitable[T], shape: Callable[[T], R]) -> asyncio.Future[R]:
    """A future of `shape(value)` once `load` has its value; `load`'s error, or the one
    `shape` raises, otherwise. Cancelling it leaves `load` alone: a loader's future is
    shared by every load of its key. (A loader's load is a future, used as it is; any other
    awaitable would get a Task.)"""
    source = load if isinstance(load, asyncio.Future) else asyncio.ensure_future(load)
    shaped: asyncio.Future[R] = source.get_loop().create_future()

    def land(done: asyncio.Future[T]) -> None:
        if shaped.done():  # cancelled with its operation
            return
        if done.cancelled():
            shaped.cancel()
            return
        error = done.exception()
        if error is not None:
            shaped.set_exception(error)
            return
        try:
            shaped.set_result(shape(done.result()))
        except Exception as failed:  # the field reports it, as a resolver's own error
            shaped.set_exception(failed)

    source.add_done_callback(land)
    return shaped
