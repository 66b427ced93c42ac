"""JSON in and out with exact numbers.

DynamoDB numbers are decimals with up to 38 significant digits; a float on the way would
turn 0.1 into 0.1000000000000000055… and 12345678901234567890.123 into 1.2345678901234567e19.
So numbers are parsed as `Decimal` and written back as the exact decimal text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
_INT64 = 2**63


class JsonNumber(float):
    """A float parsed from JSON that remembers the text it was written as.

    GraphQL variables go through Strawberry's `Float` handling, which needs floats; this
    subclass still is one, while `exact()` can recover the digits the client sent.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(data: str | bytes) -> Any:
    """JSON text as Python values; fractions and exponents become `Decimal`, never float.

    Raises `ValueError` (including `json.JSONDecodeError`) on invalid JSON, NaN or Infinity.
    """
    try:
        return json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("JSON is nested too deeply") from None


def loads_graphql(data: str | bytes) -> Any:
    """JSON for GraphQL requests: fractions become `JsonNumber` (a float with its text)."""
    return json.loads(data, parse_float=JsonNumber)


def exact(value: Any) -> Any:
    """`value` with every float replaced by a `Decimal` of the digits it was written with.

    A `JsonNumber` keeps its original text; a plain float (a GraphQL inline literal) uses
    its shortest round-tripping form, e.g. 0.1 → Decimal("0.1").
    """
    if isinstance(value, JsonNumber):
        return Decimal(value.text)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    return value


def number_text(value: Decimal) -> str:
    """The exact JSON number text of a Decimal: integral values without exponent or point."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    if value == value.to_integral_value():
        return str(int(value))
    # str() of a Decimal is valid JSON number syntax (e.g. "0.1", "1E-7") and exact.
    return str(value)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(number_text(value))
    if isinstance(value, JsonNumber):
        return orjson.Fragment(value.text)
    if isinstance(value, set | frozenset):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _wide_ints(value: Any) -> Any:
    # orjson refuses integers beyond 64 bits and does not ask `default` about them.
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        return orjson.Fragment(str(value))
    if isinstance(value, Mapping):
        return {k: _wide_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wide_ints(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; `Decimal`s are written with their exact digits."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as error:
        if "64-bit" not in str(error):
            raise
        return orjson.dumps(_wide_ints(value), default=_default, option=_OPTIONS)
