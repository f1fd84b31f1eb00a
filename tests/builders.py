"""Hand-made rows for tests, written as small tables.

    insert(con, "pairs", '''
        pair_id | mentor_id | mentee_id | matched_on | ended_on   | end_reason
        p1      | m1        | e1        | 2026-01-05 |            |
    ''')

A blank cell is NULL. Every value is bound as a parameter; DuckDB casts text to
the column's type.
"""
from __future__ import annotations

import csv
import io

import duckdb
import lxml.html
import pandas as pd

from analytics.cli import main
from analytics.ingest.staged import Staged, stage
from analytics.store import connection, scores


def staged_csv(header: list[str], *rows: list[str]) -> Staged:
    """Cells as an export gives them, staged as ingest stages a CSV file (the header is row 1)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return stage(text.getvalue().encode(), "f.csv")


def fresh() -> duckdb.DuckDBPyConnection:
    return connection.connect(":memory:")


def parse(table: str) -> tuple[list[str], list[list[str | None]]]:
    lines = [line.strip() for line in table.strip().splitlines() if line.strip()]
    header = [cell.strip() for cell in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [cell.strip() or None for cell in line.split("|")]
        assert len(cells) == len(header), f"row {line!r} has {len(cells)} cells, header has {len(header)}"
        rows.append(cells)
    return header, rows


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: str) -> None:
    header, values = parse(rows)
    marks = ", ".join("?" for _ in header)
    for row in values:
        con.execute(f"INSERT INTO {table} ({', '.join(header)}) VALUES ({marks})", row)


def responses(con: duckdb.DuckDBPyConnection, rows: str, scale_points: int = 5) -> None:
    """Survey responses with their answers in one table.

    Columns response_id, respondent_id, wave, submitted_on and optional role,
    program, cohort; every other column is an item named `<dimension>` or
    `<dimension>__<n>` whose cell is the numeric answer (blank: not answered).
    All items belong to survey 's1' on a `scale_points` scale (0–10 for nps).
    """
    header, values = parse(rows)
    meta = [c for c in header if c in ("response_id", "respondent_id", "wave", "submitted_on", "role",
                                       "program", "cohort")]
    item_columns = [c for c in header if c not in meta]
    con.execute("INSERT INTO surveys VALUES ('s1', 'fp', 'test', 'Test survey') ON CONFLICT DO NOTHING")
    for item in item_columns:
        dimension = item.split("__")[0]
        points = 11 if dimension == "nps" else scale_points
        kind = {"nps": "nps", "comment": "text"}.get(dimension, "likert")
        con.execute("INSERT INTO items VALUES ('s1', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [item, item, dimension, kind, points])
    for row in values:
        record = dict(zip(header, row))
        con.execute(
            f"INSERT INTO responses (survey_id, submitted_at, {', '.join(meta)}) VALUES "
            f"('s1', CAST(? AS TIMESTAMP), {', '.join('?' for _ in meta)})",
            [record["submitted_on"], *[record[c] for c in meta]],
        )
        for item in item_columns:
            if record[item] is None:
                continue
            dimension = item.split("__")[0]
            numeric = dimension != "comment"
            con.execute(
                "INSERT INTO answers VALUES (?, 's1', ?, ?, ?, ?)",
                [record["response_id"], item, float(record[item]) if numeric else None,
                 None if numeric else record[item], 11 if dimension == "nps" else scale_points if numeric else None],
            )
    scores.refresh(con, "SELECT response_id FROM responses WHERE survey_id = 's1'")


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """`python -m analytics ARGV…` in-process: its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def shown_tables(at) -> list[pd.DataFrame]:
    """Every table an AppTest run shows, as a reader reads it: the grids' frames, and the static tables' cells and
    headings (pages/_tables.static_html) as text."""
    return [grid.value for grid in at.dataframe] + [static_table(block.proto.body) for block in static_tables(at)]


def static_tables(at) -> list:
    return [block for block in at.html if 'class="static-table"' in block.proto.body]


def static_table(body: str) -> pd.DataFrame:
    """A static table's HTML as the text its reader sees, heading by heading."""
    table = lxml.html.fragment_fromstring(body, create_parent="div")
    heading, *rows = [[cell.text_content() for cell in row] for row in table.iter("tr")]
    return pd.DataFrame(rows, columns=heading)


def every_row_shown(at):
    """The AppTest run again with each long list shown whole (pages/_tables: its first rows until asked)."""
    from pages._tables import all_rows_key
    toggles = [toggle for toggle in at.toggle if toggle.key and toggle.key.startswith(all_rows_key(""))]
    for toggle in toggles:
        toggle.set_value(True)
    return at.run() if toggles else at
