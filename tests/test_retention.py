import math
from datetime import date

import numpy as np
import pytest
from scipy import stats as sps

from analytics import retention, settings
from analytics.filters import Filters, Period
from tests.builders import fresh, insert

Q2 = Period.parse("2026Q2")
AS_OF = date(2026, 6, 30)

PAIRS = """
pair_id | mentor_id | mentee_id | matched_on | ended_on   | end_reason | program | cohort
a1      | m1        | e1        | 2025-06-01 | 2025-10-15 | withdrew   | L       | C1
a2      | m1        | e2        | 2025-06-01 | 2026-06-01 | completed  | L       | C1
a3      | m2        | e3        | 2025-09-01 |            |            | L       | C1
a4      | m2        | e4        | 2025-09-01 | 2026-01-20 |            | L       | C2
a5      | m3        | e5        | 2025-03-01 | 2026-08-01 | withdrew   | X       | C2
a6      | m3        | e6        | 2026-02-01 | 2026-05-15 | poor match | X       | C2
a7      | m4        | e7        | 2026-07-05 |            |            | X       | C2
a8      | m4        | e8        | 2024-01-01 | 2026-04-10 | completed  | X       | C1
"""


def months(start, end):
    return (date.fromisoformat(end) - date.fromisoformat(start)).days / 30.4375


# (months, event) per pair as METRICS.md defines them; a7 is matched after the as-of date and left out.
EXPECTED_DATA = {
    "a1": (months("2025-06-01", "2025-10-15"), True),     # withdrew
    "a2": (months("2025-06-01", "2026-06-01"), False),    # completed: censored
    "a3": (months("2025-09-01", "2026-06-30"), False),    # open: censored at as-of
    "a4": (months("2025-09-01", "2026-01-20"), True),     # blank reason counts as early
    "a5": (months("2025-03-01", "2026-06-30"), False),    # ends after as-of: censored at it
    "a6": (months("2026-02-01", "2026-05-15"), True),
    "a8": (months("2024-01-01", "2026-04-10"), False),
}


@pytest.fixture
def con():
    con = fresh()
    insert(con, "pairs", PAIRS)
    return con


def test_survival_data(con):
    data = retention.survival_data(con, Q2, Filters()).set_index("pair_id")
    assert sorted(data.index) == sorted(EXPECTED_DATA)
    for pair, (time, event) in EXPECTED_DATA.items():
        assert (data.loc[pair, "months"], data.loc[pair, "event"]) == (pytest.approx(time), event)


def reference_fit(pairs):
    times = np.array([EXPECTED_DATA[p][0] for p in pairs])
    events = np.array([EXPECTED_DATA[p][1] for p in pairs])
    fit = sps.ecdf(sps.CensoredData(uncensored=times[events], right=times[~events]))
    return times, fit, fit.sf.confidence_interval(0.95, method="log-log")


@pytest.mark.parametrize("month", [3, 6, 12])
def test_survival_at_matches_scipy(con, month):
    times, fit, ci = reference_fit(EXPECTED_DATA)
    got = retention.survival_at(con, Q2, Filters()).set_index("months").loc[month]
    assert got["survival"] == pytest.approx(fit.sf.evaluate(month))
    assert got["ci_low"] == pytest.approx(ci.low.evaluate(month), nan_ok=True)
    assert got["ci_high"] == pytest.approx(ci.high.evaluate(month), nan_ok=True)
    assert got["at_risk"] == (times >= month).sum()


def test_survival_beyond_the_longest_time_is_null():
    con = fresh()
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | ended_on   | end_reason
        b1      | m         | e1        | 2026-01-01 | 2026-03-01 | withdrew
        b2      | m         | e2        | 2026-02-01 |            |
    """)
    got = retention.survival_at(con, Q2, Filters()).set_index("months")
    assert got.index.tolist() == [3, 6, 12]
    assert got.loc[3, "survival"] == pytest.approx(0.5)  # one early end of two before month 3
    assert math.isnan(got.loc[6, "survival"]) and math.isnan(got.loc[12, "ci_low"])
    assert got.loc[6, "at_risk"] == 0


def test_no_pairs_gives_three_null_rows():
    got = retention.survival_at(fresh(), Q2, Filters())
    assert got["months"].tolist() == [3, 6, 12] and got["survival"].isna().all() and (got["at_risk"] == 0).all()


def test_km_curves_by_program(con):
    curves = retention.km_curves(con, Q2, Filters(), by="program")
    assert set(curves["program"]) == {"L", "X"}
    _, fit, _ = reference_fit(["a1", "a2", "a3", "a4"])
    program_l = curves[curves["program"] == "L"]
    assert program_l["months"].iloc[0] == 0 and program_l["survival"].iloc[0] == 1
    assert program_l["survival"].tolist()[1:] == pytest.approx(fit.sf.evaluate(program_l["months"].to_numpy()[1:]))
    assert retention.km_curves(fresh(), Q2, Filters()).empty


def test_logrank_matches_scipy(con):
    def censored(pairs):
        t = np.array([EXPECTED_DATA[p][0] for p in pairs])
        e = np.array([EXPECTED_DATA[p][1] for p in pairs])
        return sps.CensoredData(uncensored=t[e], right=t[~e])

    # reference: scipy.stats.logrank(program L, program X)
    expected = sps.logrank(censored(["a1", "a2", "a3", "a4"]), censored(["a5", "a6", "a8"])).pvalue
    assert retention.logrank_p(con, Q2, Filters(), by="program") == pytest.approx(expected)


def test_early_exit(con):
    got = retention.early_exit(con, Q2, Filters()).iloc[0]
    # ended in Q2: a2 completed, a6 poor match, a8 completed (a5 ends after Q2)
    assert (got["n"], got["early_exits"], got["early_exit_rate"]) == (3, 1, pytest.approx(1 / 3))
    reasons = retention.early_exit_reasons(con, Period.between(date(2025, 1, 1), AS_OF), Filters())
    # a1 withdrew, a4 blank, a6 poor match
    assert sorted(reasons["end_reason"].fillna("(blank)")) == ["(blank)", "poor match", "withdrew"]
    assert reasons["share"].sum() == pytest.approx(1)


def test_early_exit_rate_of_nothing_is_null():
    assert math.isnan(retention.early_exit(fresh(), Q2, Filters())["early_exit_rate"].iloc[0])


# Window for 2026Q2: 2025-07-01 … 2026-06-30.
EMPLOYEES_PAIRS = """
pair_id | mentor_id | mentee_id | matched_on | ended_on   | program
w1      | P1        | P2        | 2025-01-01 | 2025-08-01 | L
w2      | P3        | P4        | 2026-06-01 |            | L
w3      | Q2        | Q1        | 2025-01-01 | 2025-06-30 | L
w4      | O1        | O2        | 2025-10-01 |            | X
w5      | P5        | Z1        | 2026-01-01 |            | L
"""


def employee_rows(participants, non_participants):
    """participants/non_participants: list of (terminated_on, last_promoted_on)."""
    lines = ["employee_id | hired_on | terminated_on | last_promoted_on | department"]
    for prefix, people in (("P", participants), ("N", non_participants)):
        for i, (terminated, promoted) in enumerate(people, start=1):
            lines.append(f"{prefix}{i} | 2020-01-01 | {terminated or ''} | {promoted or ''} | Eng")
    return "\n".join(lines)


def test_employee_population_and_groups():
    con = fresh()
    insert(con, "pairs", EMPLOYEES_PAIRS)
    insert(con, "employees", employee_rows(
        [(None, "2025-09-01"), ("2026-03-01", None), (None, None), (None, None), (None, None)],
        [(None, None), ("2026-06-30", None), (None, "2025-06-30"), (None, None), (None, None)]))
    insert(con, "employees", """
        employee_id | hired_on   | terminated_on
        Q1          | 2020-01-01 |
        H1          | 2025-08-01 |
        T1          | 2019-01-01 | 2025-06-30
        O1          | 2020-01-01 |
    """)
    # Q1's pair ended before the window: non-participant. H1 hired inside the window and T1 gone before it:
    # outside the population. O1 is in program X's pair.
    groups = retention.employee_groups(con, Q2, Filters()).set_index("group")
    assert groups.loc["participants", "n"] == 6 and groups.loc["non_participants", "n"] == 6
    # Filtered to program L, O1 (program X) belongs to neither group.
    groups = retention.employee_groups(con, Q2, Filters(program="L")).set_index("group")
    assert groups.loc["participants", "n"] == 5 and groups.loc["non_participants", "n"] == 6
    got = retention.employee_outcomes(con, Q2, Filters(program="L")).set_index("measure")
    retention_row, promotion_row = got.loc["retention_12m"], got.loc["promotion_rate_12m"]
    # participants: 4 of 5 retained, 1 of 5 promoted; non-participants (N1-N5, Q1): 5 of 6 retained
    # (terminated on the as-of date counts as leaving), 0 of 6 promoted (N3 promoted before the window)
    assert retention_row["participants"] == pytest.approx(4 / 5)
    assert retention_row["non_participants"] == pytest.approx(5 / 6)
    diff = 4 / 5 - 5 / 6
    se = math.sqrt(0.8 * 0.2 / 5 + (5 / 6) * (1 / 6) / 6)
    assert (retention_row["difference"], retention_row["ci_low"], retention_row["ci_high"]) == pytest.approx(
        (diff, diff - 1.96 * se, diff + 1.96 * se))
    # expected counts < 5 → reference: scipy.stats.fisher_exact([[4, 1], [5, 1]])
    assert retention_row["p_value"] == pytest.approx(sps.fisher_exact([[4, 1], [5, 1]]).pvalue)
    assert promotion_row["participants"] == pytest.approx(1 / 5) and promotion_row["non_participants"] == 0
    assert (retention_row["n_participants"], retention_row["n_non_participants"]) == (5, 6)


@pytest.mark.parametrize("n, suppressed", [(4, True), (5, False)])
def test_employee_suppression(n, suppressed):
    con = fresh()
    insert(con, "pairs", "pair_id | mentor_id | mentee_id | matched_on\n" +
           "\n".join(f"x{i} | P{i} | Z{i} | 2025-01-01" for i in range(1, n + 1)))
    insert(con, "employees", employee_rows([(None, None)] * n, [(None, None)] * 10))
    row = retention.employee_outcomes(con, Q2, Filters()).iloc[0]
    assert row["suppressed"] == suppressed and math.isnan(row["p_value"]) == suppressed
    assert (row["n_participants"], row["n_non_participants"]) == (n, 10)


def test_employee_chi_square_when_expected_counts_are_large():
    con = fresh()
    insert(con, "pairs", "pair_id | mentor_id | mentee_id | matched_on\n" +
           "\n".join(f"x{i} | P{i} | Z{i} | 2025-01-01" for i in range(1, 41)))
    insert(con, "employees", employee_rows([(None, None)] * 30 + [("2026-01-01", None)] * 10,
                                           [(None, None)] * 20 + [("2026-01-01", None)] * 20))
    row = retention.employee_outcomes(con, Q2, Filters()).iloc[0]
    # reference: scipy.stats.chi2_contingency([[30, 10], [20, 20]]) (continuity correction by default)
    assert row["p_value"] == pytest.approx(sps.chi2_contingency([[30, 10], [20, 20]]).pvalue)


def test_role_filter_decides_who_participates():
    con = fresh()
    settings.set(con, "min_group_size", 1)
    insert(con, "pairs", EMPLOYEES_PAIRS)
    insert(con, "employees", employee_rows([(None, None)] * 5, [(None, None)] * 2))
    groups = retention.employee_groups(con, Q2, Filters(role="mentee")).set_index("group")
    # mentees in window pairs: P2, P4 → participants; the mentors P1, P3, P5 belong to neither group
    assert groups.loc["participants", "n"] == 2 and groups.loc["non_participants", "n"] == 2
