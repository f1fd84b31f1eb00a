"""The benchmark's data: generated once at a fixed seed, written as the files
users upload, and cached under benchmarks/.cache/ (git-ignored) so a second
run reuses it.

Per scale the cache folder holds
- the platform CSVs (participants, pairs, sessions, goals, employees),
- one generic-format survey CSV per survey (`survey_<name>.csv`: response
  fields, then one numeric column per dimension, named by its code), which is
  what the metrics database is built from and what the pandas baseline reads,
- the same surveys in each survey tool's own export layout (`exports/`), whose
  ingest is measured too,
- `mentorscope.duckdb`, built from the platform and generic survey CSVs through
  the real ingest path (`analytics.ingest.pipeline.ingest_paths`),
- `manifest.json`: row counts, file sizes and how long generation took.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.measures.filters import Period
from analytics.ops.sample import generate
from analytics.ops.sample_story import DIMENSIONS, SURVEYS
from analytics.ops.sample_writers import PLATFORM_FILES, WRITERS
from analytics.store import scores

SEED = 7
END = date(2026, 9, 30)
# scale=100 gives the benchmark's size: ≈40k participants, 20k pairs, 2M sessions,
# 370k survey responses, 150k employees.
BENCH_SCALE = 100.0
CACHE = Path(__file__).resolve().parent / ".cache"
MANIFEST_VERSION = 1
RESPONSE_FIELDS = ("response_id", "respondent_id", "role", "program", "cohort", "wave", "submitted_at")
SCORED = (*DIMENSIONS, "nps")


def last_full_quarter(end: date = END) -> Period:
    """The last calendar quarter that ends on or before the data's last day."""
    quarter = Period.quarter(end.year, (end.month - 1) // 3 + 1)
    return quarter if quarter.end <= end else quarter.previous()


@dataclass(frozen=True)
class Dataset:
    scale: float
    folder: Path
    manifest: dict

    @property
    def platform_files(self) -> list[Path]:
        return [self.folder / f"{name}.csv" for name in PLATFORM_FILES]

    @property
    def survey_files(self) -> list[Path]:
        return [self.folder / name for name in self.manifest["survey_files"]]

    @property
    def export_files(self) -> list[Path]:
        return [self.folder / "exports" / name for name in self.manifest["export_files"]]

    @property
    def files(self) -> list[Path]:
        """What the metrics database is built from, in load order."""
        return self.platform_files + self.survey_files

    @property
    def database(self) -> Path:
        return self.folder / "mentorscope.duckdb"

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]


def generator_version() -> str:
    """A hash of the generator's and writers' source: the cache is stale when they change."""
    import hashlib

    from analytics.ops import sample, sample_writers

    digest = hashlib.sha256()
    for module in (sample, sample_writers):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def folder_for(scale: float, seed: int = SEED, cache: Path = CACHE) -> Path:
    return cache / f"seed{seed}-scale{scale:g}"


def ensure(scale: float = BENCH_SCALE, seed: int = SEED, *, exports: bool = True, cache: Path = CACHE,
           log=print) -> Dataset:
    """The dataset at `scale`, generated and written unless the cache has it."""
    folder = folder_for(scale, seed, cache)
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("version") == MANIFEST_VERSION and manifest.get("generator") == generator_version()
                and (manifest["export_files"] or not exports)):
            return Dataset(scale, folder, manifest)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    log(f"Generating the scale-{scale:g} dataset (seed {seed}) into {folder.name}/ …")
    started = time.perf_counter()
    data = generate(seed, scale, END)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    for name in PLATFORM_FILES:
        getattr(data, name).to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d",
                                   lineterminator="\n")
    survey_files = write_generic_surveys(data.surveys, folder)
    export_files = write_tool_exports(data, folder / "exports") if exports else []
    written = time.perf_counter() - started
    manifest = {
        "version": MANIFEST_VERSION, "generator": generator_version(), "seed": seed, "scale": scale, "end": END.isoformat(),
        "counts": {name: len(getattr(data, name)) for name in (*PLATFORM_FILES, "surveys")},
        "survey_files": survey_files, "export_files": export_files,
        "bytes": {p.name: p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()},
        "generate_seconds": generated, "write_seconds": written,
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return Dataset(scale, folder, manifest)


def write_generic_surveys(surveys: pd.DataFrame, folder: Path) -> list[str]:
    """One plain CSV per survey: response fields and a numeric column per dimension it asks."""
    names = []
    for survey in SURVEYS:
        rows = surveys[surveys["survey"] == survey.name]
        if rows.empty:
            continue
        asked = [d for d in SCORED if rows[d].notna().any()]
        table = rows[[*RESPONSE_FIELDS, *asked, "comment"]].copy()
        for column in asked:
            table[column] = table[column].astype("Int64")
        name = f"survey_{survey.name}.csv"
        table.to_csv(folder / name, index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
        names.append(name)
    return names


def write_tool_exports(data, folder: Path) -> list[str]:
    """Each survey in its own tool's export layout (Qualtrics, SurveyMonkey, Google Forms, MS Forms)."""
    from analytics.ops.sample_writers import _file_name

    folder.mkdir(parents=True, exist_ok=True)
    people = data.participants.set_index("participant_id")[["name", "email", "location"]]
    names = []
    for survey in SURVEYS:
        rows = data.surveys[data.surveys["survey"] == survey.name].reset_index(drop=True)
        if rows.empty:
            continue
        WRITERS[survey.tool](folder / _file_name(survey), survey, rows.join(people, on="respondent_id"))
        names.append(_file_name(survey))
    return names


def build_database(dataset: Dataset, *, log=print) -> Path:
    """The metrics database, loaded through the real ingest path (once; then reused)."""
    from analytics.ingest.pipeline import Options, ingest_paths
    from analytics.store import connection, queries, schema

    done = dataset.folder / "database.json"
    if _built_for_this_schema(done) and dataset.database.exists():
        return dataset.database
    log(f"Loading the scale-{dataset.scale:g} dataset into {dataset.database.name} through ingest …")
    for stale in (dataset.database, Path(str(dataset.database) + ".wal"), done):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    con = connection.connect(dataset.database)
    try:
        results = ingest_paths(con, dataset.files, Options(max_bytes=1 << 40))
        problems = [f"{plan.file_name}: {plan.error}" for plan, _ in results if plan.error]
        if problems:
            raise RuntimeError("the benchmark data did not load: " + "; ".join(problems))
        counts = queries.table_counts(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    done.write_text(json.dumps({"seconds": time.perf_counter() - started, "counts": counts,
                                "schema": schema.SCHEMA_VERSION}, indent=1))
    return dataset.database


def _built_for_this_schema(done: Path) -> bool:
    """A cached database is reused only if it was built at the current schema: an older one
    lacks what the engine now writes at load time (and opening it read-only cannot migrate it)."""
    from analytics.store import schema

    return done.exists() and json.loads(done.read_text()).get("schema") == schema.SCHEMA_VERSION


# ---- a bulk loader for the scaling runs -------------------------------------------

def bulk_database(dataset: Dataset, path: Path | None = None, *, log=print) -> Path:
    """The same tables as `build_database`, filled by DuckDB's own CSV reader.

    The scaling runs need the data at 4× the benchmark size, which the ingest
    path cannot hold in 4 GB; metrics only read the stored tables, so for them
    how the rows got there does not matter. `python -m benchmarks` checks at the
    benchmark size that both databases give the same metrics.
    """
    from analytics.store import connection, queries, schema

    path = path or dataset.folder / "bulk.duckdb"
    done = Path(str(path) + ".json")
    if _built_for_this_schema(done) and path.exists():
        return path
    log(f"Bulk-loading the scale-{dataset.scale:g} dataset into {path.name} …")
    for stale in (path, Path(str(path) + ".wal"), done):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    con = connection.connect(path)
    try:
        with queries.transaction(con):
            for upload_id, file in enumerate(dataset.files, start=1):
                con.execute("INSERT INTO uploads VALUES (?, ?, '', ?, 'generic', 0, 0, 0, 0, NULL, NULL, "
                            "now()::TIMESTAMP, FALSE, NULL)",
                            [upload_id, file.name, "survey" if file.name.startswith("survey_") else file.stem])
            for upload_id, file in enumerate(dataset.platform_files, start=1):
                con.execute(f"INSERT INTO {file.stem} BY NAME SELECT *, ? AS upload_id "
                            "FROM read_csv(?, header = true)", [upload_id, str(file)])
            first = len(dataset.platform_files) + 1
            for upload_id, file in enumerate(dataset.survey_files, start=first):
                bulk_survey(con, file, upload_id)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    done.write_text(json.dumps({"seconds": time.perf_counter() - started, "schema": schema.SCHEMA_VERSION}))
    return path


def bulk_survey(con, file: Path, upload_id: int) -> None:
    """A plain survey CSV into responses, answers and stored scores by DuckDB's own reader, unchecked."""
    from analytics.ops.sample_story import SURVEYS as ALL_SURVEYS

    scale_points = next(s.scale_points for s in ALL_SURVEYS if s.name == file.stem.removeprefix("survey_"))
    survey_id = "bench-" + file.stem
    con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM read_csv(?, header = true, "
                "types = {'response_id': 'VARCHAR', 'comment': 'VARCHAR'})", [str(file)])
    columns = [r[0] for r in con.execute("DESCRIBE incoming").fetchall()]
    scored = [c for c in columns if c in SCORED]
    con.execute("INSERT INTO surveys VALUES (?, ?, 'generic', ?)", [survey_id, survey_id, file.stem])
    for column in [*scored, "comment"]:
        points = None if column in ("nps", "comment") else 5 if column == "overall_satisfaction" else scale_points
        kind = "text" if column == "comment" else "nps" if column == "nps" else "likert"
        con.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", [survey_id, column, column, column, kind, points])
    con.execute("""
        INSERT INTO responses SELECT ? || ':' || response_id, ?, respondent_id, role, program, cohort, wave,
               submitted_at, submitted_at::DATE, ? FROM incoming""", [survey_id, survey_id, upload_id])
    # One pass for every scored column; as text first, so that each answer's text is its own column's.
    as_text = ", ".join(f'"{c}"::VARCHAR AS "{c}"' for c in scored)
    on = ", ".join(f'"{c}"' for c in scored)
    con.execute(f"""
        INSERT INTO answers SELECT ? || ':' || response_id, ?, item_id, value::DOUBLE, value,
               CASE item_id WHEN 'nps' THEN NULL WHEN 'overall_satisfaction' THEN 5 ELSE ? END
        FROM (UNPIVOT (SELECT response_id, {as_text} FROM incoming) ON {on} INTO NAME item_id VALUE value)""",
                [survey_id, survey_id, scale_points])
    con.execute("""
        INSERT INTO answers SELECT ? || ':' || response_id, ?, 'comment', NULL, comment, NULL
        FROM incoming WHERE comment IS NOT NULL AND trim(comment) <> ''""", [survey_id, survey_id])
    scores.refresh_survey(con, survey_id)
    con.execute("DROP TABLE incoming")


def main(argv: list[str] | None = None) -> None:
    """`python -m benchmarks.dataset --scale X [--no-exports] [--ingest] [--bulk]`: prepare in a child process."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.dataset")
    parser.add_argument("--scale", type=float, default=BENCH_SCALE)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--ingest", action="store_true", help="build the database through ingest")
    parser.add_argument("--bulk", action="store_true", help="build the database with the bulk loader")
    args = parser.parse_args(argv)
    dataset = ensure(args.scale, exports=not args.no_exports, cache=args.cache)
    if args.ingest:
        build_database(dataset)
    if args.bulk:
        bulk_database(dataset)


if __name__ == "__main__":
    main()
