"""Whole files through `analyse`: the rows that load and every reject, exactly.

Expected outputs were recorded from the row-by-row pandas validator that the SQL
validation replaced, so these cases pin that the two agree (blank and ragged
rows, other encodings, decimal commas, natural session keys, duplicates of bad
rows, the first problem of a refused file in the order the checks run).
"""
from __future__ import annotations

import hashlib

import pytest

from analytics.ingest.errors import DATE_FIX, NUMBER_FIX
from analytics.ingest.pipeline import Options, analyse

# (file name, bytes, kind, (rows that load, [(row, column, reason, raw)]) or ('refused', message))
CASES = [
    ('blank.csv', b'employee_id,hired_on\nE1,2020-01-01\n\nE2,2020-02-01\n,\nE3,soon\n', 'auto',
     (2, [(3, 'employee_id', 'employee_id is empty', ','), (3, 'hired_on', 'hired_on is empty', ','), (5, 'employee_id', 'employee_id is empty', ','), (5, 'hired_on', 'hired_on is empty', ','), (6, 'hired_on', "'soon' in hired_on is not a date" + DATE_FIX, 'E3,soon')])),
    ('ragged.csv', b'employee_id,hired_on,x\nE1,2020-01-01\nE2,2020-02-01,1,2,3\nE3,2021-01-01,,\n', 'auto',
     (3, [])),
    ('cp.csv', b'employee_id,hired_on,department\nE1,2020-01-01,Caf\xe9\nE1,2020-01-01,Caf\xe9\n', 'auto',
     (1, [(3, 'employee_id', "duplicate employee_id 'E1' (first on row 2)", 'E1,2020-01-01,Café')])),
    ('semi.csv', b'pair_id;occurred_on;duration_minutes\r\nP1;05/01/2026;45,5\r\nP1;25/01/2026;-3\r\n', 'auto',
     (1, [(3, 'duration_minutes', 'duration_minutes is negative (-3)', 'P1,25/01/2026,-3')])),
    ('tab.csv', b'pair_id\toccurred_on\tduration_minutes\nP1\t2026-01-05\t45,5\nP1\t2026-01-06\t4.5\n', 'auto',
     (1, [(2, 'duration_minutes', "'45,5' in duration_minutes is not a number" + NUMBER_FIX, 'P1,2026-01-05,45,5')])),
    ('cr.csv', b'\xef\xbb\xbfpair_id,occurred_on\rP1,2026-01-05\rP1,2026-01-05\r', 'sessions',
     (1, [(3, 'session_id', "duplicate session_id 'P1@2026-01-05T00:00' (first on row 2)", 'P1,2026-01-05')])),
    ('blank_header.csv', b',,\n,,\nE1,2020-01-01,\n', 'employees',
     ('refused', 'blank_header.csv: the file is empty. Export the data again, with its header row.')),
    ('all_blank.csv', b'pair_id,occurred_on\n,\n,\n', 'sessions',
     ('refused', 'all_blank.csv: the file has a header but no data rows. Export again with the data included.')),
    ('natural.csv', b'session_id,pair_id,occurred_on\nS1,P1,2026-01-05\n,P1,2026-01-05\n,P1,2026-01-05 00:00\nP1@2026-01-05T00:00,P2,2026-01-07\n', 'sessions',
     (2, [(4, 'session_id', "duplicate session_id 'P1@2026-01-05T00:00' (first on row 3)", ',P1,2026-01-05 00:00'), (5, 'session_id', "duplicate session_id 'P1@2026-01-05T00:00' (first on row 3)", 'P1@2026-01-05T00:00,P2,2026-01-07')])),
    ('twice.csv', b'employee_id,hired_on,employee_id,Hire date\nE1,2020-01-01,X,Y\n', 'employees',
     (1, [])),
    ('logic.csv', b'pair_id,mentor_id,mentee_id,matched_on,ended_on,meetings_target_per_month\nP1,M1,M1,2026-01-05,2025-01-01,0\nP2,M2,E2,2026-01-05,,0\nP3,M3,E3,2026-01-05,,-1\nP1,M1,E1,2026-01-05,,\n', 'pairs',
     ('refused', 'logic.csv: none of the 4 rows can be loaded; the first problem is on row 4: meetings_target_per_month is negative (-1). Fix that and re-upload; the rejected rows can be downloaded to see every reason.')),
]


@pytest.mark.parametrize("name, data, kind, expected", CASES, ids=[c[0] for c in CASES])
def test_a_file_loads_and_rejects_exactly_as_recorded(name, data, kind, expected):
    plan = analyse(data, name, options=Options(kind=kind))
    assert plan.sha256 == hashlib.sha256(data).hexdigest()  # the upload log's checksum, refused or not
    if expected[0] == "refused":
        assert plan.error is not None and str(plan.error) == expected[1]
        return
    assert plan.error is None, plan.error
    assert plan.rows_valid == expected[0]
    assert [(p["row_number"], p["column"], p["reason"], p["raw"]) for p in plan.rejected] == expected[1]
