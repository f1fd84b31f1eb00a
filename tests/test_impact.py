"""The adjusted comparison (METRICS.md, Impact) on a small frame worked by hand, and its statistics
against scipy."""
import math
from datetime import date

import numpy as np
import pytest
from scipy import stats as sps

from analytics.measures import impact, impact_stats, retention
from analytics.measures.filters import Filters, Period
from analytics.ops.sample import generate
from analytics.ops.sample_story import RETENTION_EFFECT
from analytics.store import settings
from tests.builders import fresh, insert

Q2 = Period.parse("2026Q2")  # landmark L = 2025-07-01, window to 2026-06-30
L = date(2025, 7, 1)
Z = sps.norm.ppf(0.975)

# (department, level, hired_on, participants, non-participants); a person is (retained, promoted).
# On L, hired 2020-01-01 is 5.5 years (5-10), 2024-12-01 0.58 (<1), 2023-01-01 2.5 (1-3), 2010-01-01 15.5 (10+).
STRATA = [
    ("Eng", "Senior", "2020-01-01", [(1, 1), (1, 1), (1, 0), (1, 0)], [(1, 1), (1, 0)] + [(0, 0)] * 4),  # S1
    ("Eng", "Associate", "2024-12-01", [(1, 0)], [(1, 0), (1, 0), (0, 0)]),  # S2: one participant
    ("Sales", "", "2023-01-01", [(1, 1), (0, 0)], [(0, 0), (0, 0)]),  # S3: blank level
    ("Sales", "Senior", "2010-01-01", [(1, 0)], []),  # S4: a participant with nobody to compare
    ("Legal", "Associate", "2024-12-01", [], [(1, 0), (1, 0)]),  # S5: non-participants only
]
# Matched strata S1-S3: participants n1 = 4, 1, 2 (7), non-participants n0 = 6, 3, 2 (11); weights n1 / 7.
W = np.array([4, 1, 2]) / 7


def build(strata=STRATA, sessions=None):
    """Employees of `strata`; participant k is the mentee of pair `a{k}`, matched 2025-01-01 and open
    on L, with `sessions[k]` held sessions in the 12 months before L."""
    con = fresh()
    employees = ["employee_id | hired_on | terminated_on | last_promoted_on | department | level"]
    pairs = ["pair_id | mentor_id | mentee_id | matched_on"]
    k = 0
    for s, (department, level, hired, participants, others) in enumerate(strata):
        for group, people in (("p", participants), ("n", others)):
            for i, (retained, promoted) in enumerate(people):
                person = f"{group}{s}_{i}"
                employees.append(f"{person} | {hired} | {'' if retained else '2026-01-15'} | "
                                 f"{'2025-12-01' if promoted else ''} | {department} | {level}")
                if group == "p":
                    pairs.append(f"a{k} | mentor{k} | {person} | 2025-01-01")
                    k += 1
    insert(con, "employees", "\n".join(employees))
    insert(con, "pairs", "\n".join(pairs))
    return con


def tenures(strata=STRATA):
    """Tenure in years on L of every participant and non-participant, one by one."""
    ones, zeros = [], []
    for _, _, hired, participants, others in strata:
        years = (L - date.fromisoformat(hired)).days / 365.25
        ones += [years] * len(participants)
        zeros += [years] * len(others)
    return np.array(ones), np.array(zeros)


def test_stratified_retention_by_hand():
    got = impact.block(build(), Q2, Filters())
    assert (got["landmark"], got["n_participants"], got["n_non_participants"], got["n_neither"]) == (
        "2025-07-01", 8, 13, 0)
    r = got["retention_12m"]
    # p1 = 4/4, 1/1, 1/2; p0 = 2/6, 2/3, 0/2
    p1, p0 = np.array([1, 1, 1 / 2]), np.array([2 / 6, 2 / 3, 0])
    assert r["participants"] == pytest.approx(6 / 7)  # (4 + 1 + 1) / 7
    assert r["comparison"] == pytest.approx(2 / 7)  # 4/7 · 1/3 + 1/7 · 2/3 + 0
    assert r["difference"] == pytest.approx(4 / 7)
    se = math.sqrt(sum(W ** 2 * (p1 * (1 - p1) / [4, 1, 2] + p0 * (1 - p0) / [6, 3, 2])))
    assert se == pytest.approx(0.1543, abs=1e-4)  # √(16/49 · 2/54 + 1/49 · 2/27 + 4/49 · 1/8)
    assert r["se"] == pytest.approx(se)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((4 / 7 - Z * se, 4 / 7 + Z * se))
    assert r["p_value"] == pytest.approx(2 * sps.norm.sf((4 / 7) / se))  # reference: scipy's normal tail
    assert r["mde_80"] == pytest.approx((Z + sps.norm.ppf(0.8)) * se)
    assert r["reading"] == "difference"  # CI ≈ [0.27, 0.87]
    # leaving: q1 = 1/7, q0 = 5/7, RR = 0.2 → RR* = 5 → E = 5 + √(5 · 4)
    assert r["e_value"] == pytest.approx(5 + math.sqrt(20))
    rr = (5 / 7 - r["ci_low"]) / (5 / 7)
    assert r["e_value_ci"] == pytest.approx(1 / rr + math.sqrt(1 / rr * (1 / rr - 1)))
    assert (r["n_participants"], r["n_participants_unmatched"], r["n_comparison"], r["strata"], r["suppressed"]) == (
        7, 1, 11, 3, False)


def test_stratified_promotion_with_a_ci_including_zero():
    p = impact.block(build(), Q2, Filters())["promotion_rate_12m"]
    # p1 = 2/4, 0/1, 1/2; p0 = 1/6, 0/3, 0/2
    p1, p0 = np.array([1 / 2, 0, 1 / 2]), np.array([1 / 6, 0, 0])
    assert (p["participants"], p["comparison"], p["difference"]) == pytest.approx((3 / 7, 2 / 21, 1 / 3))
    se = math.sqrt(sum(W ** 2 * (p1 * (1 - p1) / [4, 1, 2] + p0 * (1 - p0) / [6, 3, 2])))
    assert p["ci_low"] == pytest.approx(1 / 3 - Z * se) and p["ci_low"] < 0  # ≈ -0.05
    assert p["reading"] == "inconclusive" and p["e_value_ci"] == 1
    # RR = (3/7) / (2/21) = 4.5 → E = 4.5 + √(4.5 · 3.5)
    assert p["e_value"] == pytest.approx(4.5 + math.sqrt(4.5 * 3.5))


def test_balance_table():
    rows = {(r["covariate"], r["level"]): (r["participants"], r["non_participants"], r["non_participants_weighted"])
            for r in impact.block(build(), Q2, Filters())["balance"]}
    # participants: all 8; non-participants: all 13; weighted: the matched strata's weights n1_s (7 in all)
    expected = {
        ("department", "Eng"): (5 / 8, 9 / 13, 5 / 7), ("department", "Legal"): (0, 2 / 13, 0),
        ("department", "Sales"): (3 / 8, 2 / 13, 2 / 7),
        ("level", "(blank)"): (2 / 8, 2 / 13, 2 / 7), ("level", "Associate"): (1 / 8, 5 / 13, 1 / 7),
        ("level", "Senior"): (5 / 8, 6 / 13, 4 / 7),
        ("tenure_band", "<1"): (1 / 8, 5 / 13, 1 / 7), ("tenure_band", "1-3"): (2 / 8, 2 / 13, 2 / 7),
        ("tenure_band", "5-10"): (4 / 8, 6 / 13, 4 / 7), ("tenure_band", "10+"): (1 / 8, 0, 0),
    }
    assert list(rows) == list(expected)  # covariates in order; levels alphabetical, bands in their own order
    for key, shares in expected.items():
        assert rows[key] == pytest.approx(shares), key


def test_tenure_standardised_mean_difference():
    smd = impact.block(build(), Q2, Filters())["tenure_smd"]
    ones, zeros = tenures()
    spread = math.sqrt((np.var(ones, ddof=1) + np.var(zeros, ddof=1)) / 2)
    assert smd["before"] == pytest.approx((ones.mean() - zeros.mean()) / spread)
    # after: matched participants (S4's left out) against non-participants weighted n1_s / n0_s
    years = [(L - date.fromisoformat(hired)).days / 365.25 for _, _, hired, _, _ in STRATA[:3]]
    assert smd["after"] == pytest.approx((W @ years - W @ years) / spread, abs=1e-12)
    assert abs(smd["after"]) < abs(smd["before"])


@pytest.mark.parametrize("min_group_size, suppressed", [(7, False), (8, True)])
def test_suppressed_when_matched_group_is_small(min_group_size, suppressed):
    con = build()
    settings.set(con, "min_group_size", min_group_size)
    got = impact.block(con, Q2, Filters())
    for outcome in ("retention_12m", "promotion_rate_12m"):
        r = got[outcome]
        assert r["suppressed"] == suppressed and (r["difference"] is None) == suppressed
        assert (r["reading"] is None) == suppressed and (r["e_value"] is None) == suppressed
        assert (r["n_participants"], r["n_comparison"], r["strata"]) == (7, 11, 3)  # counts stay
    assert got["balance"] and got["tenure_smd"]["before"] is not None  # head-counts: never hidden


def test_se_zero_gives_no_p_value():
    # everyone stays and nobody is promoted: every p(1 − p) is 0
    same = [("Eng", "Senior", "2020-01-01", [(1, 0)] * 5, [(1, 0)] * 5)]
    got = impact.block(build(same), Q2, Filters())["retention_12m"]
    assert (got["difference"], got["se"], got["ci_low"], got["ci_high"], got["mde_80"]) == (0, 0, 0, 0, 0)
    assert math.isnan(got["p_value"]) and got["reading"] == "no_meaningful_difference"
    assert math.isnan(got["e_value"])  # nobody leaves: the risk ratio 0/0 is undefined


def held_sessions(counts, first=date(2024, 7, 1)):
    """Rows for the sessions table: `counts[k]` held sessions of pair a{k}, daily from `first`."""
    return "session_id | pair_id | occurred_on | status\n" + "\n".join(
        f"s{k}_{i} | a{k} | {date.fromordinal(first.toordinal() + i).isoformat()} | held"
        for k, count in enumerate(counts) for i in range(count))


@pytest.mark.parametrize("sessions, bands", [
    ([0, 2, 3, 5, 6, 11, 12, 30], [2, 2, 2, 2]),
    ([0, 0, 0, 0, 0, 0, 0, 0], [8, 0, 0, 0]),
])
def test_dose_bands(sessions, bands):
    con = build()
    insert(con, "sessions", held_sessions(sessions))
    # neither a cancelled session, nor one on L, nor one before L − 12 months counts
    insert(con, "sessions", "session_id | pair_id | occurred_on | status\n" + "\n".join(
        f"c{k} | a{k} | 2025-01-10 | cancelled\nl{k} | a{k} | 2025-07-01 | held\nb{k} | a{k} | 2024-06-30 | held"
        for k in range(8)))
    settings.set(con, "min_group_size", 2)
    got = impact.block(con, Q2, Filters())
    assert [row["band"] for row in got["dose_response"]] == ["0-2", "3-5", "6-11", "12+"]
    assert [row["n"] for row in got["dose_response"]] == bands
    # a band under the minimum, an empty one too, is hidden
    assert [row["suppressed"] for row in got["dose_response"]] == [n < 2 for n in bands]
    assert [row["retention_12m"] is None for row in got["dose_response"]] == [n < 2 for n in bands]


def test_dose_figures_against_scipy():
    # participants in STRATA order with 1, 4, 4, 7, 13, 13, 13, 0 sessions; retention (1, 1, 1, 1 | 1 | 1, 0 | 1)
    con = build()
    insert(con, "sessions", held_sessions([1, 4, 4, 7, 13, 13, 13, 0]))
    settings.set(con, "min_group_size", 1)
    got = impact.block(con, Q2, Filters())
    bands = {row["band"]: row for row in got["dose_response"]}
    # 0-2: p0_0 (1 session), p3_0 (0) → 2 retained of 2; 3-5: p0_1, p0_2 → 2 of 2, 6-11: p0_3 → 1 of 1;
    # 12+: p1_0, p2_0, p2_1 → 2 of 3 retained, 1 promoted (p2_0)
    assert [bands[b]["n"] for b in impact.DOSE_BANDS] == [2, 2, 1, 3]
    twelve = bands["12+"]
    half = Z * math.sqrt(2 / 3 * 1 / 3 / 3)
    assert (twelve["retention_12m"], twelve["retention_ci_low"], twelve["retention_ci_high"]) == pytest.approx(
        (2 / 3, 2 / 3 - half, 1.0))  # clipped to 1
    # reference: scipy.stats.chi2_contingency on bands × (retained, left)
    table = [[2, 0], [2, 0], [1, 0], [2, 1]]
    assert got["dose_response_p_values"]["retention_12m"] == pytest.approx(sps.chi2_contingency(table).pvalue)
    # promotion: p0_0, p0_1 promoted (1 of 2 in 0-2? p0_0 yes; p3_0 no), 3-5: p0_1 yes, p0_2 no; 6-11: p0_3 no
    promoted = [[1, 1], [1, 1], [0, 1], [1, 2]]
    assert got["dose_response_p_values"]["promotion_rate_12m"] == pytest.approx(
        sps.chi2_contingency(promoted).pvalue)


@pytest.mark.parametrize("employees, reason", [
    (None, "No employee file"),
    ("e1 | 2020-01-01 |  | Senior", "no department column"),
    ("e1 | 2020-01-01 |  |", "no department and level column"),
])
def test_unavailable_says_why(employees, reason):
    con = fresh()
    if employees:
        insert(con, "employees", "employee_id | hired_on | department | level\n" + employees)
    assert reason in impact.unavailable(con)
    assert impact.block(con, Q2, Filters()) is None


def test_a_young_program_says_when_its_first_comparison_is_possible():
    con = build()
    con.execute("UPDATE pairs SET matched_on = DATE '2026-01-15'")
    got = impact.block(con, Q2, Filters())
    assert got["n_participants"] == 0 and got["retention_12m"]["suppressed"]
    # every pair is matched 2026-01-15, after L: as of 2027-01-15 the landmark (2026-01-16) follows it
    assert got["first_comparison_on"] == "2027-01-15"
    assert "first_comparison_on" not in impact.block(build(), Q2, Filters())


@pytest.mark.parametrize("low, high, reading", [
    (0.01, 0.09, "difference"), (-0.09, -0.01, "difference"),
    (-0.04, 0.049, "no_meaningful_difference"), (-0.05, 0.05, "no_meaningful_difference"),
    (-0.06, 0.02, "inconclusive"), (-0.2, 0.3, "inconclusive"), (float("nan"), float("nan"), None),
])
def test_reading(low, high, reading):
    assert impact_stats.reading(low, high, 0.05) == reading


@pytest.mark.parametrize("rr, expected", [
    (2.0, 2 + math.sqrt(2)), (0.5, 2 + math.sqrt(2)), (1.0, 1.0), (0.0, float("nan")), (float("nan"), float("nan")),
])
def test_e_value(rr, expected):
    # VanderWeele & Ding (2017): RR + √(RR (RR − 1)), with 1/RR for a protective ratio
    assert impact_stats.e_value(rr) == pytest.approx(expected, nan_ok=True)


def test_contingency_p_skips_empty_rows_and_needs_two():
    table = [[3, 7], [0, 0], [8, 2]]
    assert impact_stats.contingency_p(table) == pytest.approx(sps.chi2_contingency([[3, 7], [8, 2]]).pvalue)
    assert math.isnan(impact_stats.contingency_p([[3, 7], [0, 0]]))
    assert math.isnan(impact_stats.contingency_p([[3, 0], [5, 0]]))  # nobody in the second column


@pytest.fixture(scope="module")
def large_sample():
    """The sample generator at 10× the demo (≈1,300 participants on the landmark), pairs and employees
    loaded as they are generated."""
    data = generate(scale=10)
    con = fresh()
    for table in ("pairs", "employees"):
        generated = getattr(data, table)  # read by name: DuckDB scans the local frame
        con.execute(f"INSERT INTO {table} ({', '.join(generated.columns)}) SELECT * FROM generated")
    return con


def test_the_adjusted_comparison_recovers_the_planted_effect(large_sample):
    last_year = Period.parse("2026Q3")  # the generator plants its effect on the data's last 12 months
    adjusted = impact.block(large_sample, last_year, Filters())["retention_12m"]
    raw = retention.employee_outcomes(large_sample, last_year, Filters()).set_index("measure").loc["retention_12m"]
    assert adjusted["ci_low"] <= RETENTION_EFFECT <= adjusted["ci_high"]
    # participants are more senior and longer-serving, who leave less anyway: the raw gap overstates the effect
    assert raw["difference"] - RETENTION_EFFECT > abs(adjusted["difference"] - RETENTION_EFFECT)
    assert not raw["ci_low"] <= RETENTION_EFFECT <= raw["ci_high"]


def test_the_sample_participants_self_select_and_matching_balances_them(large_sample):
    got = impact.block(large_sample, Period.parse("2026Q3"), Filters())
    assert got["tenure_smd"]["before"] > 0.3 and abs(got["tenure_smd"]["after"]) < 0.1
    senior = {row["level"]: row for row in got["balance"] if row["covariate"] == "level"}
    juniors = ("Associate", "Professional")
    assert sum(senior[k]["participants"] for k in juniors) < sum(senior[k]["non_participants"] for k in juniors)


@pytest.mark.parametrize("outcome, comparison, difference, low, high, expected", [
    # promotion 0.2 against 0.1: RR 2 → 2 + √2; the CI limit 0.05 → RR 1.5 → 1.5 + √0.75
    ("promotion_rate_12m", 0.1, 0.1, 0.05, 0.15, (2 + math.sqrt(2), 1.5 + math.sqrt(0.75))),
    # retention 0.9 against 0.8: leaving 0.1 against 0.2, RR 0.5 → 1/RR 2; the limit 0.02 → RR 0.9 → 1/0.9
    ("retention_12m", 0.8, 0.1, 0.02, 0.18, (2 + math.sqrt(2), 1 / 0.9 + math.sqrt(1 / 0.9 * (1 / 0.9 - 1)))),
    # a CI including 0 gives 1, even when the estimate's ratio is 0 (no participant left: E-value null)
    ("retention_12m", 0.9, 0.1, -0.05, 0.25, (float("nan"), 1.0)),
    # the comparison group never promoted: the ratio's denominator is 0, both null
    ("promotion_rate_12m", 0.0, 0.1, -0.05, 0.25, (float("nan"), float("nan"))),
])
def test_e_values(outcome, comparison, difference, low, high, expected):
    assert impact_stats.e_values(outcome, comparison, difference, low, high) == pytest.approx(expected, nan_ok=True)
