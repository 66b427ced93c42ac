"""The README stays current: every setting is in its configuration table."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.platform.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    # given a settings field
    # then the README's table names its environment variable
    assert f"`{name.upper()}`" in README


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README
