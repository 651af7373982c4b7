"""Layers point one way: clinic <- therapists <- bookings. A lower layer never imports a higher
one, not even inside a function, so each can be read (and tested) without the ones above it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each layer may not import. URL and app names written as strings (include("bookings.urls"),
# INSTALLED_APPS) are configuration, not imports, and are not counted.
FORBIDDEN = {
    "clinic": {"therapists", "bookings"},
    "therapists": {"bookings"},
}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def violations(layer: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, package in sorted(imported_packages(path))
        if package in FORBIDDEN[layer]
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(layer):
    assert violations(layer) == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from bookings.models import Booking\n")
    assert imported_packages(module) == {(2, "bookings")}
