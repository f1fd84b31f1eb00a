"""The scale benchmark at a tiny scale, one in-process run of a subset of its
steps, so that `python -m benchmarks` cannot rot between benchmark runs."""
from __future__ import annotations

import pytest

from analytics.ingest.errors import FileRefused
from analytics.ingest.read import MB, WorkbookLimits, read_raw
from benchmarks.__main__ import main
from benchmarks.dataset import Dataset, ensure, last_full_quarter
from benchmarks.report import growth_exponent
from benchmarks.workbook_limits import write_largest_workbook


def test_smoke_run_writes_results_and_the_baseline_agrees(tmp_path, capsys):
    out = tmp_path / "RESULTS.md"
    assert main(["--smoke", "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    text = out.read_text()
    for heading in ("## Targets", "## 1. Ingest", "## 2. Metrics JSON for 2026Q3", "## 3. Each page",
                    "## 4. The report", "## Misses and causes"):
        assert heading in text
    assert "every figure of the baseline equals Mentorscope's" in text
    assert "| The impact block adds at most 0.3 s to the metrics JSON (timed alone) |" in text
    assert "failed" not in text
    assert "met" in capsys.readouterr().out


def test_dataset_is_cached_and_reused(tmp_path):
    first = ensure(0.1, exports=False, cache=tmp_path, log=lambda _: None)
    stamp = first.folder.joinpath("sessions.csv").stat().st_mtime_ns
    again = ensure(0.1, exports=False, cache=tmp_path, log=lambda _: None)
    assert isinstance(again, Dataset) and again.counts == first.counts
    assert again.folder.joinpath("sessions.csv").stat().st_mtime_ns == stamp
    assert len(again.survey_files) >= 1


def test_growth_exponent_and_quarter():
    assert growth_exponent([1, 4, 16], [0.5, 2.0, 8.0]) == __import__("pytest").approx(1.0)
    assert growth_exponent([1, 4, 16], [1.0, 1.0, 1.0]) == __import__("pytest").approx(0.0, abs=1e-12)
    assert last_full_quarter().label == "2026Q3"


def test_the_largest_workbook_is_the_largest_the_limits_accept(tmp_path):
    limits = WorkbookLimits(unpacked_mb=1, cells=20_000)
    cells, unpacked = write_largest_workbook(tmp_path / "largest.xlsx", limits)
    assert cells <= limits.cells and unpacked <= limits.unpacked_mb * MB
    rows = read_raw((tmp_path / "largest.xlsx").read_bytes(), "largest.xlsx", limits).rows
    assert len(rows) * len(rows[0]) == cells
    write_largest_workbook(tmp_path / "twice.xlsx", WorkbookLimits(unpacked_mb=2, cells=40_000))
    with pytest.raises(FileRefused, match="over the"):
        read_raw((tmp_path / "twice.xlsx").read_bytes(), "twice.xlsx", limits)
