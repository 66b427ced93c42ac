"""Start a coroutine now, and give it a Task only if it has to wait.

A subscription event goes to every socket of a group in one loop. Almost every send
completes without waiting (the socket's buffer has room), and a Task per send would cost
more than the send itself; but one client that stops reading must not hold up the others.
So each send runs inline up to its first suspension, and only a send that suspends (a full
buffer) is finished by a Task of its own. Python 3.12's eager task factory does the same for
the whole loop; this is the one place that needs it, on 3.11.

Only for coroutines that do not depend on the identity of the current task (no
`asyncio.timeout`, no `current_task()`): the part before the first suspension runs in the
caller's task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run `coro` until it completes or first waits. None if it completed; otherwise the
    Task that finishes it. Exceptions raised before the first wait propagate here."""
    try:
        awaited = coro.send(None)
    except StopIteration:
        return None
    except BaseException:
        coro.close()
        raise
    return asyncio.get_running_loop().create_task(_finish(coro, awaited))


async def _finish(coro: Coroutine[Any, Any, None], awaited: Any) -> None:
    try:
        while True:
            if awaited is None:  # a bare yield: asyncio.sleep(0)
                await asyncio.sleep(0)
            else:
                # Wait without taking the outcome: the coroutine reads it from the future
                # when resumed, exactly as if a Task had driven it all along.
                await asyncio.wait([awaited])
            awaited = coro.send(None)
    except StopIteration:
        return
    except asyncio.CancelledError:
        coro.close()  # its finally blocks run at the suspension point
        raise
