"""Python's cyclic garbage collector, set for a long-running server.

Measured in a real server (uvicorn, moto behind a keep-alive proxy, the nested query at
N = 20): with Python's defaults the collector took about 8-9 ms of each request's 33 ms of
CPU. Most of it was full passes over what start-up built (about 220,000 objects: modules,
botocore's service models, the schema) that every pass walked again, and a young pass every
700 new container objects, which promoted a request's objects still in flight to older
generations. After start-up, `settle` collects once and freezes what survived out of every
later pass, and runs the young pass less often: 0.9 ms a request (bench/notes.md).
"""

from __future__ import annotations

import gc


def settle(*, threshold: int) -> None:
    """Call once start-up is done. `threshold`: new container objects between young passes
    (Python's default is 700); 0 leaves the collector as Python set it."""
    if threshold == 0:
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
