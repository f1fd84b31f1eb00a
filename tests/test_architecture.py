"""The arrows between the engine's parts point down only, as ARCHITECTURE.md draws them: the contracts
in .importlinter, checked over the real import graph (including imports inside functions); and modules and functions short
enough to read whole."""
from __future__ import annotations

import ast
import logging

from importlinter.cli import lint_imports

from tests.conftest import ROOT


def test_every_import_points_down_and_the_engine_never_imports_streamlit(monkeypatch):
    monkeypatch.chdir(ROOT)
    # import-linter's command sets up its logging with dictConfig, which disables every logger that exists by then
    # (the schedule's, the benchmark's): the tests after this one on the same worker need them as they were.
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = [logger.disabled for logger in loggers]
    try:
        assert lint_imports(config_filename=".importlinter", no_cache=True) == 0, \
            "run lint-imports to see the broken contract"
    finally:
        for logger, was in zip(loggers, disabled):
            logger.disabled = was


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# The modules and functions allowed to be longer, each with why. Keep it short: split rather than add.
LONGER: dict[str, str] = {}


def sizes() -> dict[str, int]:
    """Lines of each module of the engine and the pages, and of each function in them (`path::name`)."""
    found = {}
    for path in sorted([*(ROOT / "analytics").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        found[name] = len(source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[f"{name}::{node.name}"] = node.end_lineno - node.lineno + 1
    return found


def test_modules_and_functions_stay_small():
    too_long = {name: lines for name, lines in sizes().items() if name not in LONGER
                and lines > (MAX_FUNCTION_LINES if "::" in name else MAX_MODULE_LINES)}
    assert too_long == {}, "split these (or, where one is a single table, list it in LONGER with why)"


def test_every_longer_entry_is_still_long():
    found = sizes()
    limit = {name: MAX_FUNCTION_LINES if "::" in name else MAX_MODULE_LINES for name in LONGER}
    stale = [name for name in LONGER if found.get(name, 0) <= limit[name]]
    assert stale == [], "these are short now (or gone): take them off LONGER"


def bare_values(source: str) -> list[int]:
    """Lines of `source` holding a value on its own (a name, a sum, a list: what Streamlit's magic would show),
    not a call or a string."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Expr)
            and not isinstance(node.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom))
            and not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))]


def test_no_page_relies_on_streamlits_magic():
    # .streamlit/config.toml switches magic off (why is there): a bare value would quietly show nothing.
    assert "magicEnabled = false" in (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    found = {path.relative_to(ROOT).as_posix(): bare_values(path.read_text(encoding="utf-8"))
             for path in [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")]}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_a_bare_value_is_found():
    assert bare_values('"""Doc."""\nimport streamlit as st\nst.title("x")\nvalue = 1\nvalue\n[value]\n') == [5, 6]
