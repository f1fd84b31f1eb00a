import math
from datetime import date

import numpy as np
import pytest
from scipy import stats as sps

from analytics.measures import retention
from analytics.measures.filters import Filters, Period
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


# 2026Q2: window 2025-07-01 … 2026-06-30, landmark L = 2025-07-01, pairs open since L − 12 months = 2024-07-01
# make their members participants.
EMPLOYEES_PAIRS = """
pair_id | mentor_id | mentee_id | matched_on | ended_on   | program
a       | P1        | P2        | 2025-01-01 | 2025-08-01 | L
b       | P3        | P4        | 2024-03-01 | 2024-07-01 | L
c       | Z1        | Z2        | 2024-01-01 | 2024-06-30 | L
d       | Z3        | Z4        | 2025-07-01 |            | L
e       | P5        | Z5        | 2025-06-30 |            | X
f       | Z6        | Z7        | 2026-08-01 |            | L
"""


def employee_rows(participants, non_participants):
    """participants/non_participants: list of (terminated_on, last_promoted_on)."""
    lines = ["employee_id | hired_on | terminated_on | last_promoted_on | department"]
    for prefix, people in (("P", participants), ("N", non_participants)):
        for i, (terminated, promoted) in enumerate(people, start=1):
            lines.append(f"{prefix}{i} | 2020-01-01 | {terminated or ''} | {promoted or ''} | Eng")
    return "\n".join(lines)


@pytest.fixture
def landmark():
    con = fresh()
    insert(con, "pairs", EMPLOYEES_PAIRS)
    insert(con, "employees", employee_rows(
        [(None, "2025-09-01"), ("2026-03-01", None), (None, None), (None, None), (None, None)],
        [(None, None), ("2026-06-30", None), (None, "2025-06-30"), (None, "2025-07-01"), (None, None)]))
    insert(con, "employees", "employee_id | hired_on | terminated_on\n" + "\n".join(
        f"Z{i} | 2020-01-01 |" for i in range(1, 8)) + """
        H1 | 2025-07-01 |
        T1 | 2019-01-01 | 2025-06-30
        T2 | 2019-01-01 | 2025-07-01
    """)
    return con


# a, b (ended on L − 12 months) and e were open in the 12 months before L: P1-P5 and Z5 take part. c ended
# the day before L − 12 months, d is matched on L, f after the as-of date: their members belong to neither
# group, being in a pair. H1, hired on L, and T1, gone the day before it, are outside the population; T2,
# gone on L, is in it. A program filter leaves P5 and Z5 (program X) in neither group; a role filter the
# other role's members of qualifying pairs.
@pytest.mark.parametrize("filters, participants, non_participants, neither", [
    (Filters(), 6, 6, 6),                   # P1-P5, Z5 | N1-N5, T2 | Z1-Z4, Z6, Z7
    (Filters(program="L"), 4, 6, 8),        # P1-P4 | … | Z1-Z7, P5
    (Filters(role="mentee"), 3, 6, 9),      # P2, P4, Z5 | … | Z1-Z4, Z6, Z7, P1, P3, P5
    (Filters(program="X", role="mentor"), 1, 6, 11),  # P5
])
def test_landmark_groups(landmark, filters, participants, non_participants, neither):
    groups = retention.employee_groups(landmark, Q2, filters).set_index("group")["n"]
    assert (groups["participants"], groups["non_participants"], groups["neither"]) == (
        participants, non_participants, neither)


def test_employee_outcomes_on_the_landmark(landmark):
    got = retention.employee_outcomes(landmark, Q2, Filters()).set_index("measure")
    retention_row, promotion_row = got.loc["retention_12m"], got.loc["promotion_rate_12m"]
    # participants P1-P5, Z5: P2 left → 5 of 6 retained; P1 promoted in the window → 1 of 6.
    # non-participants N1-N5, T2: N2 (terminated on the as-of date) and T2 left → 4 of 6 retained; N4 promoted
    # on L → 1 of 6 (N3 the day before L does not count).
    assert (retention_row["participants"], retention_row["non_participants"]) == pytest.approx((5 / 6, 4 / 6))
    assert (promotion_row["participants"], promotion_row["non_participants"]) == pytest.approx((1 / 6, 1 / 6))
    diff, se = 1 / 6, math.sqrt((5 / 6) * (1 / 6) / 6 + (4 / 6) * (2 / 6) / 6)
    assert (retention_row["difference"], retention_row["ci_low"], retention_row["ci_high"]) == pytest.approx(
        (diff, diff - 1.96 * se, diff + 1.96 * se))
    # expected counts < 5 → reference: scipy.stats.fisher_exact([[5, 1], [4, 2]])
    assert retention_row["p_value"] == pytest.approx(sps.fisher_exact([[5, 1], [4, 2]]).pvalue)
    # (z.975 + z.80) × SE with the same unpooled SE; the CI ≈ [-0.31, 0.65] crosses 0 and ±5 points
    assert retention_row["mde_80"] == pytest.approx((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) * se)
    assert retention_row["reading"] == "inconclusive"
    assert (retention_row["n_participants"], retention_row["n_non_participants"], retention_row["n_neither"]) == (
        6, 6, 6)


@pytest.mark.parametrize("n, suppressed", [(4, True), (5, False)])
def test_employee_suppression(n, suppressed):
    con = fresh()
    insert(con, "pairs", "pair_id | mentor_id | mentee_id | matched_on\n" +
           "\n".join(f"x{i} | P{i} | Z{i} | 2025-01-01" for i in range(1, n + 1)))
    insert(con, "employees", employee_rows([(None, None)] * n, [(None, None)] * 10))
    row = retention.employee_outcomes(con, Q2, Filters()).iloc[0]
    assert row["suppressed"] == suppressed and math.isnan(row["p_value"]) == suppressed
    # everyone stays: SE 0, so the CI is [0, 0], within ±5 points, unless hidden
    assert math.isnan(row["mde_80"]) == suppressed
    assert row["reading"] == (None if suppressed else "no_meaningful_difference")
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
