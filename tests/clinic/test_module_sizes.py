"""A module that outgrows one screen of purpose is split when it grows, not later: none in the
apps is over 400 lines and no function over 80 (migrations, generated, and the one settings
module aside)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("clinic", "therapists", "bookings")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
EXEMPT = {Path("clinic/settings.py")}


def app_modules(root: Path = ROOT) -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((root / app).rglob("*.py"))
        if "migrations" not in path.parts and path.relative_to(root) not in EXEMPT
    ]


def long_modules(paths: list[Path], root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)}: {lines} lines"
        for path in paths
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]


def long_functions(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name}: {lines} lines")
    return found


def test_no_module_of_the_apps_is_over_400_lines():
    assert long_modules(app_modules()) == []


def test_no_function_of_the_apps_is_over_80_lines():
    assert long_functions(app_modules()) == []


def test_the_checks_see_a_long_module_and_a_long_function(tmp_path):
    module = tmp_path / "bookings" / "example.py"
    module.parent.mkdir()
    module.write_text("def long():\n" + "    x = 1\n" * 81 + "\n" * 320)
    paths = app_modules(tmp_path)
    assert long_modules(paths, tmp_path) == ["bookings/example.py: 402 lines"]
    assert long_functions(paths, tmp_path) == ["bookings/example.py:1 long: 82 lines"]
