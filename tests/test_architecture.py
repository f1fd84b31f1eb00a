"""The arrows between the engine's parts point down only, as ARCHITECTURE.md draws them: the contracts
in .importlinter, checked over the real import graph (including imports inside functions)."""
from __future__ import annotations

from importlinter.cli import lint_imports

from tests.conftest import ROOT


def test_every_import_points_down_and_the_engine_never_imports_streamlit(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=".importlinter", no_cache=True) == 0, "run lint-imports to see the broken contract"
