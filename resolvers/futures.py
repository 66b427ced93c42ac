"""A loader's future shaped by a function when it lands, with no coroutine and no Task.

A resolver that only awaits one load and wraps the record (a profile, a linked person) is
written as a plain function returning `then(load, shape)`: a coroutine would cost a Task per
field (81 a request at a page of 20 users; bench/notes.md). For a loader's future, `then`
makes no future either: it returns a `Shaped`, the load and its shape, which waves
(graph/waves.py) complete straight from the load's own callback; anywhere else it is awaited
like any awaitable."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Shaped(Generic[T, R]):
    """`shape(value)` of a loader's future once it lands. Awaiting it awaits a future of its
    own, so cancelling the awaiting Task leaves `load` alone: a loader's future is shared
    by every load of its key."""

    __slots__ = ("load", "shape")

    def __init__(self, load: asyncio.Future[T], shape: Callable[[T], R]) -> None:
        self.load = load
        self.shape = shape

    def __await__(self) -> Generator[Any, None, R]:
        return _shaped_future(self.load, self.shape).__await__()


def then(load: Awaitable[T], shape: Callable[[T], R]) -> Awaitable[R]:
    """`shape(value)` once `load` has its value; `load`'s error, or the one `shape` raises,
    otherwise. (A loader's load is a future, used as it is; any other awaitable would get a
    Task.)"""
    if isinstance(load, asyncio.Future):
        return Shaped(load, shape)
    return _shaped_future(asyncio.ensure_future(load), shape)


def _shaped_future(source: asyncio.Future[T], shape: Callable[[T], R]) -> asyncio.Future[R]:
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
