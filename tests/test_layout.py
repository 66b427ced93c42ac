"""The repository layout of the product card: `graph`, `resolvers` and `services` are
top-level packages, no installed distribution shadows them, and the layer rules in
pyproject.toml (import-linter) hold and would catch a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("graph", "resolvers", "services")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _top_level_modules(dist: metadata.Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared:
        return {line.strip() for line in declared.splitlines() if line.strip()}
    return {
        Path(str(file)).parts[0].removesuffix(".py")
        for file in dist.files or []
        if not str(file).startswith(("..", "/")) and ".dist-info" not in str(file)
    }


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy_of_the_tree(tmp_path: Path) -> Path:
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, tmp_path / layer, ignore=shutil.ignore_patterns("static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_are_top_level_packages_of_this_repository() -> None:
    # given the three layers
    for layer in LAYERS:
        # when importing each
        module = __import__(layer)
        # then it is the folder at the repository root
        assert Path(module.__file__ or "").resolve() == ROOT / layer / "__init__.py"


def test_no_installed_distribution_ships_a_module_named_like_a_layer() -> None:
    # given every installed distribution but this project's own
    others = [d for d in metadata.distributions() if d.metadata["Name"] != "prework"]
    assert others
    # when listing the top-level modules each one installs
    clashes = {
        f"{dist.metadata['Name']}: {name}"
        for dist in others
        for name in _top_level_modules(dist)
        if name in LAYERS
    }
    # then none would shadow graph/, resolvers/ or services/
    assert not clashes


def test_the_layer_rules_hold() -> None:
    # given the repository as it is
    # when import-linter checks its contracts
    result = _lint_imports(ROOT)
    # then every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "violation", "contract"),
    [
        ("services/platform/clock.py", "import strawberry", "services/ never imports"),
        ("services/store/dynamo.py", "import resolvers.loaders", "Layers: graph -> resolvers"),
        ("resolvers/memo.py", "import graph.schema", "Layers: graph -> resolvers"),
        ("services/store/dynamo.py", "import services.people", "services/: capabilities over"),
        ("services/platform/clock.py", "import services.auth.identity", "services/: capabilities"),
        (
            "services/local/demo.py",
            "import services.people.users",
            "services/people/: other capabilities use only",
        ),
        (
            "services/media/items.py",
            "import services.submissions.workflow",
            "services/submissions/: other capabilities use only",
        ),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(
    tmp_path: Path, module: str, violation: str, contract: str
) -> None:
    # given a copy of the tree with one import that breaks the rules
    tree = _copy_of_the_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{violation}  # noqa\n")
    # when import-linter checks it
    result = _lint_imports(tree)
    # then it fails and names the broken contract
    assert result.returncode != 0
    assert f"{contract}" in result.stdout
    assert "BROKEN" in result.stdout
