"""Item values between JSON and DynamoDB's attribute-value ("wire") form.

Numbers stay `Decimal` end to end and must fit DynamoDB exactly. Items come back as
JSON-ready values: sets as sorted lists, binary as base64 text.
"""

from __future__ import annotations

import base64
import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from services.platform.errors import BadInput
from services.platform.exactjson import exact

Item = dict[str, Any]
Wire = dict[str, Any]
Scalar = str | int | Decimal | bool | None

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_wire(value: Any) -> dict[str, Any]:
    """A JSON-like value in DynamoDB's attribute-value form; numbers must fit exactly."""
    try:
        wire: dict[str, Any] = _serializer.serialize(exact(value))
    except decimal.DecimalException:
        raise BadInput(
            f"the number {value} cannot be stored exactly (DynamoDB keeps 38 significant digits)"
        ) from None
    except (TypeError, ValueError) as error:
        raise BadInput(f"value cannot be stored in DynamoDB: {error}") from None
    return wire


def wire_item(item: Mapping[str, Any]) -> Wire:
    """Every attribute of `item` in wire form."""
    return {k: to_wire(v) for k, v in item.items()}


def from_wire(item: Mapping[str, Any]) -> Item:
    """A DynamoDB item as JSON-ready values, numbers as exact `Decimal`."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        # JSON has no sets: a sorted list (string sets, number sets, binary sets).
        return sorted(_plain(v) for v in value)
    if isinstance(value, Binary):
        return base64.b64encode(value.value).decode()
    return value


def is_scalar(value: object) -> bool:
    """A string, number, boolean or null: what a plain scan value may be."""
    return value is None or isinstance(value, str | int | Decimal | bool)


def is_number(value: object) -> bool:
    """An exact number (`int` or `Decimal`), not a boolean."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
