"""Imports go one way: graph → resolvers → services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "prework"
FORBIDDEN = {
    "services": ("strawberry", "starlette", "prework.graph", "prework.resolvers"),
    "resolvers": ("starlette", "prework.graph"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_upwards(layer: str) -> None:
    # given every module of the layer
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    # when reading their imports
    offending = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in files
        for name in _imports(path)
        if name.startswith(FORBIDDEN[layer])
    }
    # then none reaches up
    assert not offending
