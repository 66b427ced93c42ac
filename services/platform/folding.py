"""Text folded for ordering and matching: case- and accent-insensitive ("José" -> "jose")."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(value: str) -> str:
    """`value` without accents, case-folded, with runs of spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def words(value: str) -> list[str]:
    """The folded words of `value` (letters and digits; punctuation separates)."""
    return _WORD.findall(fold(value))
