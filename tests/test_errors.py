"""One error root: every refusal is a MentorscopeError of one kind, and the command line gives each kind its
exit code and one line on stderr, never a traceback (unless MENTORSCOPE_DEBUG asks for it)."""
from __future__ import annotations

import pytest

from analytics import cli
from analytics.cli import hash_password
from analytics.cli.ingest import BadMap
from analytics.errors import AccessError, BusyError, ConfigError, DataError, InputError, MentorscopeError
from analytics.ingest.errors import FileRefused, IngestError, NeedsMapping
from analytics.measures.improvements import ImprovementError
from analytics.measures.objectives import ObjectiveError
from analytics.ops.auth import AuthError, PermissionDenied, SecretsError
from analytics.ops.delivery import DeliveryError, SmtpError
from analytics.ops.privacy import ErasureError
from analytics.ops.serving import ExposureError
from analytics.ops.sso import ProviderError, SignInRefused
from analytics.report.model import ReportError
from analytics.store.errors import DatabaseBusy, DatabaseError
from analytics.store.settings import SettingsError


@pytest.mark.parametrize("error, kind", [
    (BadMap, InputError), (IngestError, InputError), (FileRefused, InputError), (NeedsMapping, InputError),
    (ImprovementError, InputError), (ObjectiveError, InputError), (ErasureError, InputError),
    (ExposureError, InputError), (DeliveryError, InputError), (DatabaseError, InputError),
    (ReportError, DataError),
    (SettingsError, ConfigError), (ProviderError, ConfigError), (SecretsError, ConfigError), (SmtpError, ConfigError),
    (AuthError, AccessError), (PermissionDenied, AccessError), (SignInRefused, AccessError),
    (DatabaseBusy, BusyError),
], ids=lambda value: value.__name__)
def test_each_error_is_of_its_kind(error, kind):
    assert issubclass(error, kind)
    assert not issubclass(error, ValueError)  # callers catch the kind, not a built-in that bugs raise too


@pytest.mark.parametrize("problem, fix, shown", [
    ("No data for 2026Q2.", None, "No data for 2026Q2."),
    ("No data for 2026Q2.", "Load the exports first.", "No data for 2026Q2. Load the exports first."),
])
def test_the_message_is_the_problem_then_the_fix(problem, fix, shown):
    error = MentorscopeError(problem, fix=fix)
    assert (error.message, str(error), error.problem, error.fix) == (shown, shown, problem, fix)


def test_subclasses_keep_the_kinds_of_both_parents():
    # A wrong [smtp] section is a delivery problem (pages catch DeliveryError) and a configuration one.
    assert issubclass(SmtpError, DeliveryError) and issubclass(SecretsError, AuthError)
    assert issubclass(DatabaseBusy, DatabaseError)


@pytest.mark.parametrize("error, code, said", [
    (ErasureError("No data is stored for participant 'x'. Check the id."), 1,
     "error: No data is stored for participant 'x'. Check the id.\n"),
    (ReportError("No data for 2026Q2."), 1, "error: No data for 2026Q2.\n"),
    (PermissionDenied("Your role (viewer) cannot do this."), 1, "error: Your role (viewer) cannot do this.\n"),
    (DatabaseBusy("The database d is in use by another program."), 1,
     "error: The database d is in use by another program.\n"),
    (SettingsError("Unknown setting 'x'."), 3, "error: Unknown setting 'x'.\n"),
    (SmtpError("[smtp] in s needs host."), 3, "error: [smtp] in s needs host.\n"),
    (SecretsError("s is not valid TOML."), 3, "error: s is not valid TOML.\n"),
    (FileRefused("no usable rows", file="a.csv", fix="Export it again."), 1,
     "error: a.csv: no usable rows. Export it again.\n"),
    (KeyboardInterrupt(), 130, "Interrupted.\n"),
], ids=lambda value: value if isinstance(value, int) else type(value).__name__)
def test_each_kind_exits_with_its_code_and_one_line(monkeypatch, capsys, error, code, said):
    monkeypatch.delenv(cli.DEBUG, raising=False)
    assert _run_raising(monkeypatch, error) == code
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", said)


@pytest.mark.parametrize("error, said", [
    (KeyError("program"), "error: unexpected KeyError: 'program'. This is a bug;"),
    (RuntimeError(), "error: unexpected RuntimeError. This is a bug;"),
], ids=lambda value: type(value).__name__)
def test_a_bug_exits_1_saying_it_is_unexpected_and_how_to_see_more(monkeypatch, capsys, error, said):
    monkeypatch.delenv(cli.DEBUG, raising=False)
    assert _run_raising(monkeypatch, error) == 1
    err = capsys.readouterr().err
    assert err.startswith(said) and "MENTORSCOPE_DEBUG=1" in err and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("error, code", [(KeyError("program"), 1), (SmtpError("[smtp] in s needs host."), 3)],
                         ids=lambda value: value if isinstance(value, int) else type(value).__name__)
def test_debug_shows_the_traceback(monkeypatch, capsys, error, code):
    monkeypatch.setenv(cli.DEBUG, "1")
    assert _run_raising(monkeypatch, error) == code
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in run\n    raise error\n" in err
    assert err.splitlines()[-1].startswith("error: ")  # the one line still ends it


def _run_raising(monkeypatch, error: BaseException) -> int:
    """`main` running a command that raises `error`."""
    def run(args):
        raise error
    monkeypatch.setattr(hash_password, "run", run)
    return cli.main(["hash-password"])
