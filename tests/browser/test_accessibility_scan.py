"""The accessibility scan never quietly skips: without axe-core it fails, saying how to get it."""

import pytest

from . import helpers


def test_it_fails_without_axe_core_and_says_to_run_make_test(monkeypatch, tmp_path):
    monkeypatch.setattr(helpers, "AXE", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.delenv("CI", raising=False)  # outside CI too

    with pytest.raises(pytest.fail.Exception, match=r"axe-core is missing .*run `make test`"):
        helpers.assert_accessible(page=None)
