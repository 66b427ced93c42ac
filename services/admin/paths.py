"""Attribute paths and placeholders: what the scan and update languages share.

Every attribute name becomes a `#nX` placeholder and every value a `:vX` placeholder, so
nothing a caller sends is ever pasted into an expression string (list indexes in paths,
`a[2]`, are the one exception: they are checked to be digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.admin.values import to_wire
from services.platform.errors import BadInput

MAX_PATH_DEPTH = 32
MAX_PATH_LENGTH = 1024
MAX_EXPRESSION_LENGTH = 4096  # DynamoDB's limit for every kind of expression

_SEGMENT = re.compile(r"([^\[\]]+)((?:\[\d{1,6}\])*)")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Segment:
    """One step of a dotted path: an attribute name and any list indexes after it."""

    name: str
    indexes: tuple[int, ...] = ()


Path = tuple[Segment, ...]


def parse_path(path: object, *, what: str = "attribute path") -> Path:
    """`"training.status"` → segments; `a.b[0].c` is allowed. BadInput when malformed."""
    if not isinstance(path, str) or not path:
        raise BadInput(f"{what} must be a non-empty string")
    if len(path) > MAX_PATH_LENGTH:
        raise BadInput(f"{what} is longer than {MAX_PATH_LENGTH} characters")
    parts = path.split(".")
    if len(parts) > MAX_PATH_DEPTH:
        raise BadInput(f"{what} '{path}' is nested deeper than {MAX_PATH_DEPTH} levels")
    segments = []
    for part in parts:
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise BadInput(f"'{path}' is not a valid {what}")
        indexes = tuple(int(i) for i in _INDEX.findall(match.group(2)))
        segments.append(Segment(match.group(1), indexes))
    return tuple(segments)


class Placeholders:
    """Collects `#name` and `:value` placeholders for one request."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._by_name: dict[str, str] = {}
        self._constants: dict[str, str] = {}

    def name(self, attribute: str) -> str:
        placeholder = self._by_name.get(attribute)
        if placeholder is None:
            placeholder = f"#n{len(self.names)}"
            self.names[placeholder] = attribute
            self._by_name[attribute] = placeholder
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def constant(self, value: str) -> str:
        """A value placeholder shared by every use of the same fixed string (type names)."""
        placeholder = self._constants.get(value)
        if placeholder is None:
            placeholder = self._constants[value] = self.value(value)
        return placeholder

    def path(self, path: str | Path) -> str:
        segments = parse_path(path) if isinstance(path, str) else path
        return ".".join(self.name(s.name) + "".join(f"[{i}]" for i in s.indexes) for s in segments)

    def request(self) -> dict[str, Any]:
        """`ExpressionAttributeNames`/`Values` for the request (only those that are used)."""
        out: dict[str, Any] = {}
        if self.names:
            out["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            out["ExpressionAttributeValues"] = {k: to_wire(v) for k, v in self.values.items()}
        return out


def checked_size(expression: str, what: str) -> str:
    """`expression` unchanged, or BadInput when it is longer than DynamoDB accepts."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise BadInput(
            f"{what} is too large for DynamoDB ({len(expression)} > {MAX_EXPRESSION_LENGTH} "
            "characters once translated); split it up"
        )
    return expression
