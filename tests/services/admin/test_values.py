"""Exact numbers between JSON, GraphQL and DynamoDB's wire form."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from services.admin.values import to_wire
from services.platform import exactjson
from services.platform.errors import BadInput


@pytest.mark.parametrize("text", ["0.1", "1e-7", "12345678901234567890.123", "-0.5", "1E+3"])
def test_numbers_reach_dynamodb_with_their_exact_digits(text: str) -> None:
    # given a number as JSON text
    value = exactjson.loads(text)
    # when it is put in DynamoDB form
    wire = to_wire(value)
    # then its digits are exactly the ones sent
    assert Decimal(wire["N"]) == Decimal(text)
    assert isinstance(value, Decimal | int)


def test_a_number_dynamodb_cannot_hold_exactly_is_bad_input() -> None:
    # given a number with 39 significant digits
    # when it is put in DynamoDB form
    # then it is refused rather than rounded
    with pytest.raises(BadInput, match="38 significant digits"):
        to_wire(Decimal("1.23456789012345678901234567890123456789"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.1"), "0.1"),
        (Decimal("1E-7"), "1E-7"),
        (Decimal("12345678901234567890.123"), "12345678901234567890.123"),
        (Decimal("180000"), "180000"),
        (Decimal("1E+3"), "1000"),
        (2**70, str(2**70)),
    ],
)
def test_json_output_keeps_exact_digits(value: Any, text: str) -> None:
    # given an exact number inside a document
    # when it is written as JSON
    out = exactjson.dumps({"n": value})
    # then the JSON number has exactly those digits and parses back to the same value
    assert out == b'{"n":' + text.encode() + b"}"
    assert json.loads(out, parse_float=Decimal)["n"] == value


def test_graphql_numbers_remember_their_text() -> None:
    # given GraphQL variables with fractions
    variables = exactjson.loads_graphql('{"big": 12345678901234567890.123, "tiny": 1e-7}')
    # when they are made exact
    exact = exactjson.exact(variables)
    # then they are still floats for GraphQL, and exact Decimals for DynamoDB
    assert isinstance(variables["big"], float)
    assert exact == {"big": Decimal("12345678901234567890.123"), "tiny": Decimal("1e-7")}
    assert exactjson.exact(0.1) == Decimal("0.1")


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{", "[" * 100_000])
def test_invalid_json_is_a_value_error(text: str) -> None:
    # given invalid JSON (or JSON nested beyond reason)
    # when it is parsed
    # then it is a ValueError the REST layer maps to 400
    with pytest.raises(ValueError):
        exactjson.loads(text)
