"""Every test module stands alone: none imports another test module. A helper two modules share
lives in tests/factories.py (plain functions) or a conftest.py (fixtures), so moving or
deleting one test file never breaks another, and a fixture is never imported by name (which
hides it from pytest's own lookup and needs a ``noqa`` to survive the linter)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def names_a_test_module(dotted: str) -> bool:
    """``tests.<anything>.test_*``: a test module, or something inside one."""
    first, *rest = dotted.split(".")
    return first == TESTS.name and any(part.startswith("test_") for part in rest)


def imported_names(node: ast.Import | ast.ImportFrom, package: tuple[str, ...]) -> list[str]:
    """The dotted names an import statement reaches, relative ones resolved from ``package``;
    ``from . import test_x`` reaches ``<package>.test_x``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = package[: len(package) - node.level + 1] if node.level else ()
    module = ".".join([*base, *(node.module.split(".") if node.module else [])])
    return [module, *(f"{module}.{alias.name}" for alias in node.names)]


def imports_of_test_modules(root: Path = TESTS) -> list[str]:
    """Every import of a test module by a test module under ``root``, at any depth of the code
    (inside functions too), as ``path:line imports name``."""
    found = []
    for path in sorted(root.rglob("test_*.py")):
        package = (root.name, *path.relative_to(root).parent.parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
        for node in sorted(imports, key=lambda node: node.lineno):
            reached = [name for name in imported_names(node, package) if names_a_test_module(name)]
            if reached:
                found.append(f"{path.relative_to(root)}:{node.lineno} imports {reached[0]}")
    return found


def test_no_test_module_imports_another_test_module():
    assert imports_of_test_modules() == [], "move the shared helper into tests/factories.py or a conftest.py"


def test_the_check_finds_a_test_module_imported_anywhere_and_nothing_else(tmp_path):
    bookings = tmp_path / "tests" / "bookings"
    bookings.mkdir(parents=True)
    (bookings / "test_pages.py").write_text(
        "from ..factories import form_data\n"
        "from .. import clock\n"
        "from tests.outbox import send_due_emails\n"
        "\n"
        "\n"
        "def test_it_books():\n"
        "    from .test_services import book\n"
        "\n"
        "\n"
        "from . import test_services\n"
        "import tests.clinic.test_layers\n"
        "from ..clinic.test_layers import walk\n"
    )
    # Only test modules are checked: a helper module may import what it likes.
    (bookings / "helpers.py").write_text("from .test_pages import test_it_books\n")

    assert imports_of_test_modules(tmp_path / "tests") == [
        "bookings/test_pages.py:7 imports tests.bookings.test_services",
        "bookings/test_pages.py:10 imports tests.bookings.test_services",
        "bookings/test_pages.py:11 imports tests.clinic.test_layers",
        "bookings/test_pages.py:12 imports tests.clinic.test_layers",
    ]
