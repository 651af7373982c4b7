"""Layers point one way: clinic <- therapists <- bookings, and inside bookings each room imports
only the rooms below it. A lower layer never imports a higher one, not even inside a function,
so each can be read (and tested) without the ones above it, and no two modules import each
other round a circle."""

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

# The rooms of bookings/, bottom to top, and the rooms each may import (its own always). See
# docs/architecture.md for what each holds. A module at the app's root, in services/, views/
# or templatetags/ is the booking lifecycle; locks and constraints are the base every room
# may stand on.
ROOMS = {
    "clinical": set(),
    "base": set(),
    "models": {"clinical", "base"},
    "slots": {"models", "base"},
    "messaging": {"models", "clinical", "base"},
    "privacy": {"models", "clinical", "base", "messaging"},
    "records": {"models", "clinical", "base", "messaging", "privacy"},
    "lifecycle": {"models", "clinical", "base", "slots", "messaging", "privacy", "records"},
    "diary": {"models", "clinical", "base", "slots", "messaging", "privacy", "records", "lifecycle"},
    "management": {
        "models",
        "clinical",
        "base",
        "slots",
        "messaging",
        "privacy",
        "records",
        "lifecycle",
        "diary",
        "payments",
    },
    # Told of freed time by the FreedTime rows the lifecycle writes: nothing below imports it.
    "waitlist": {"models", "clinical", "base", "slots", "messaging", "privacy", "records", "lifecycle"},
    # Takes payments for the bookings the lifecycle holds (bookings.models.payment_terms) and
    # settles their money when told by task name: nothing below imports it.
    "payments": {"models", "clinical", "base", "slots", "messaging", "privacy", "records", "lifecycle"},
    # Reads every room's rows; nothing imports it.
    "reports": {"models", "clinical", "base", "slots", "messaging", "privacy", "records", "lifecycle"},
}
SUB_PACKAGES = {
    "clinical",
    "models",
    "slots",
    "messaging",
    "privacy",
    "records",
    "diary",
    "management",
    "waitlist",
    "payments",
    "reports",
}
BASE_MODULES = {"bookings.locks", "bookings.constraints"}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, current: str) -> set[tuple[int, str]]:
    """(line, module) for every import in the file of module ``current``, relative ones made
    absolute. For ``from package import name`` both the package and package.name are given:
    name may be a module."""
    package = current if path.name == "__init__.py" else current.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add((node.lineno, module))
            found.update((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def imported_packages(path: Path) -> set[tuple[int, str]]:
    return {(line, module.split(".")[0]) for line, module in imports_of(path, path.stem) if module}


def violations(layer: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, package in sorted(imported_packages(path))
        if package in FORBIDDEN[layer]
    ]


def room_of(module: str) -> str | None:
    """The room of a bookings module (None for a name outside bookings or for its migrations)."""
    parts = module.split(".")
    if parts[0] != "bookings" or "migrations" in parts:
        return None
    if len(parts) == 1:
        return "lifecycle"
    if parts[1] in SUB_PACKAGES:
        return parts[1]
    if ".".join(parts[:2]) in BASE_MODULES:
        return "base"
    return "lifecycle"


def bookings_modules(root: Path = ROOT) -> dict[str, Path]:
    return {
        module_name(path, root): path
        for path in sorted((root / "bookings").rglob("*.py"))
        if "migrations" not in path.parts
    }


def room_violations(modules: dict[str, Path]) -> list[str]:
    found = []
    for module, path in modules.items():
        room = room_of(module)
        for line, imported in sorted(imports_of(path, module)):
            target = room_of(imported)
            if target is not None and target != room and target not in ROOMS[room]:
                found.append(f"{module.replace('.', '/')}:{line} ({room}) imports {imported} ({target})")
    return found


def circles(modules: dict[str, Path]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each an import circle."""
    graph = {
        module: sorted(
            {imported for _, imported in imports_of(path, module) if imported in modules and imported != module}
        )
        for module, path in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(layer):
    assert violations(layer) == []


def test_each_room_of_bookings_imports_only_the_rooms_below_it():
    assert room_violations(bookings_modules()) == []


def test_every_module_of_bookings_belongs_to_a_room_the_table_names():
    assert {room_of(module) for module in bookings_modules()} <= set(ROOMS)


def test_no_modules_of_bookings_import_each_other_round_a_circle():
    assert circles(bookings_modules()) == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from bookings.models import Booking\n")
    assert (2, "bookings") in imported_packages(module)


def test_the_room_check_sees_an_upward_import_inside_a_function(tmp_path):
    slots = tmp_path / "bookings" / "slots"
    slots.mkdir(parents=True)
    (slots / "example.py").write_text("def f():\n    from bookings.records import selectors\n")
    found = room_violations(bookings_modules(tmp_path))
    assert found == [
        "bookings/slots/example:2 (slots) imports bookings.records (records)",
        "bookings/slots/example:2 (slots) imports bookings.records.selectors (records)",
    ]


def test_the_circle_check_sees_a_circle(tmp_path):
    package = tmp_path / "bookings"
    package.mkdir()
    (package / "first.py").write_text("from bookings import second\n")
    (package / "second.py").write_text("def f():\n    from bookings.first import thing\n")
    assert circles(bookings_modules(tmp_path)) == [["bookings.first", "bookings.second"]]
