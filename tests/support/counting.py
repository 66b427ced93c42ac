"""A function replaced by itself, counted: how many times a cache let the real work run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def counted(
    monkeypatch: pytest.MonkeyPatch, target: str, function: Callable[..., Any]
) -> list[int]:
    """`target` (a dotted name) calls `function`; the list grows by one per call."""
    calls: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return function(*args, **kwargs)

    monkeypatch.setattr(target, counting)
    return calls
