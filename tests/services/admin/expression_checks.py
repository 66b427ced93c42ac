"""Reading translated expressions in tests: names spelled out, nothing a caller sent pasted."""

from __future__ import annotations

from typing import Any

from services.admin.paths import Placeholders


def resolved(expression: str, placeholders: Placeholders) -> str:
    """The expression with name placeholders spelled out (values stay placeholders)."""
    for placeholder, name in sorted(placeholders.names.items(), key=lambda kv: -len(kv[0])):
        expression = expression.replace(placeholder, name)
    return expression


def user_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *user_strings(v)]]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in user_strings(v)]
    return []


def assert_nothing_pasted(expression: str, payload: Any) -> None:
    for text in user_strings(payload):
        for part in text.split("."):
            if len(part) > 2:
                assert part not in expression, (part, expression)
