"""Imports point one way: faces -> stages -> store -> reference (DESIGN.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salvo"
FACES = {"salvo.cli", "salvo.render", "salvo.render_sources", "salvo.demo"}
STAGES = {"salvo.readers", "salvo.extract", "salvo.link", "salvo.analysis", "salvo.charts", "salvo.importing",
          "salvo.exports", "salvo.extracting"}
STORE = {"salvo.model", "salvo.records", "salvo.storage"}
REFERENCE = {"salvo.codebook", "salvo.gazetteer", "salvo.names", "salvo.errors", "salvo.safe_text"}
LAYERS = [FACES, STAGES, STORE, REFERENCE]


def layer(module: str) -> int | None:
    for rank, members in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return rank
    return None


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("salvo")}


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    module = "salvo." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    own = layer(module)
    if own is None:
        return
    for target in imports(path):
        rank = layer(target)
        assert rank is None or rank >= own, f"{module} (layer {own}) imports {target} (layer {rank})"


def test_reference_imports_nothing_of_salvo_but_names():
    for path in MODULES:
        module = "salvo." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if layer(module) == 3:
            outside = {t for t in imports(path) if layer(t) != 3}
            assert not outside, f"{module} imports {outside}"


def private_imports(path: Path) -> set[str]:
    """The private names (a leading underscore) a module imports from another module of Salvo."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {f"{node.module}.{alias.name}" for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("salvo")
            for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(path):
    assert not private_imports(path), f"{path.relative_to(PACKAGE)} imports {private_imports(path)}"
