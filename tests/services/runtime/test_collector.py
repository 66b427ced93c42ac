"""The garbage collector set for a long-running server (services/runtime/collector.py). Each
case runs in a fresh interpreter: the setting is process-wide, and freezing the test
process's objects would outlive the test."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
from services.runtime import collector
before = gc.get_threshold()
made = [[i] for i in range(1000)]  # built "at start-up": alive when it settles
collector.settle(threshold={threshold})
after, frozen = gc.get_threshold(), gc.get_freeze_count()
print(json.dumps({{"before": before, "after": after, "frozen": frozen}}))
"""


def _settle(threshold: int) -> dict[str, list[int] | int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(threshold=threshold)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outcome: dict[str, list[int] | int] = json.loads(done.stdout)
    return outcome


def test_settling_freezes_what_start_up_built_and_raises_the_young_threshold() -> None:
    # when a process settles with a threshold of 20,000
    outcome = _settle(20_000)
    # then what was alive is frozen (at least the 1,000 lists it built), and only the young
    # generation's threshold changed
    assert isinstance(outcome["frozen"], int) and outcome["frozen"] >= 1000
    before, after = outcome["before"], outcome["after"]
    assert isinstance(before, list) and isinstance(after, list)
    assert after == [20_000, before[1], before[2]]


def test_a_zero_threshold_leaves_the_collector_as_python_set_it() -> None:
    # when a process settles with 0
    outcome = _settle(0)
    # then nothing is frozen and the thresholds are Python's
    assert outcome["frozen"] == 0
    assert outcome["after"] == outcome["before"]
