"""NPS, declared in analytics.measures.nps: its groups, score, CI, test and variance against numbers worked by
hand or by scipy, and the answers the store keeps as NPS answers."""
import math

import pytest
from scipy import stats as sps

from analytics.measures import nps
from analytics.store import scores
from tests.builders import fresh, responses


@pytest.mark.parametrize("promoters, passives, detractors", [(5, 3, 2), (10, 0, 0), (0, 0, 4), (1, 1, 1)])
def test_nps_formula(promoters, passives, detractors):
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    # METRICS.md: 100(p−d); variance 100²[(p+d)−(p−d)²]/n; CI ±1.96√var clipped to [−100, 100]
    value = 100 * (p - d)
    se = math.sqrt(100 ** 2 * ((p + d) - (p - d) ** 2) / n)
    got = nps.score(promoters, passives, detractors)
    assert (got.value, got.n) == (pytest.approx(value), n)
    assert got.ci_low == pytest.approx(max(-100, value - 1.96 * se))
    assert got.ci_high == pytest.approx(min(100, value + 1.96 * se))


def test_nps_of_nothing_is_nan():
    assert math.isnan(nps.score(0, 0, 0).value)


def test_nps_z_test():
    a, b = nps.score(30, 10, 10), nps.score(20, 10, 20)
    z = (b.value - a.value) / math.sqrt(a.variance + b.variance)
    assert nps.z_test(a.value, a.variance, b.value, b.variance) == pytest.approx(2 * sps.norm.sf(abs(z)))


@pytest.mark.parametrize("promoters, passives, detractors", [(5, 3, 2), (0, 10, 0), (7, 0, 13)])
def test_moments_of_an_nps_give_its_variance(promoters, passives, detractors):
    estimate = nps.moments(promoters, passives, detractors).estimate()
    reference = nps.score(promoters, passives, detractors)  # 100² [(p + d) − (p − d)²] / n
    assert (estimate.value, estimate.variance) == pytest.approx((reference.value, reference.variance))


# Each answer 0..10 → its group, by hand: 0–6 detractors, 7–8 passives, 9–10 promoters.
@pytest.mark.parametrize("answer, group", [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"),
                                           (9, "promoters"), (10, "promoters")])
def test_each_answer_counts_in_its_group(answer, group):
    row = fresh().execute(f"SELECT {nps.counts_sql('a')} FROM (SELECT ?::DOUBLE AS a)", [answer]).fetchone()
    assert dict(zip(("promoters", "passives", "detractors"), row)) == {
        g: int(g == group) for g in ("promoters", "passives", "detractors")}


def test_the_declaration_says_what_the_groups_count():
    assert nps.GROUPS == {"promoters": "Promoters (9–10)", "passives": "Passives (7–8)",
                          "detractors": "Detractors (0–6)"}
    assert nps.DEFINITION.startswith("100 × (share answering 9–10 − share answering 0–6) on the 0–10 "
                                     "recommend")


@pytest.mark.parametrize("answer, kept", [(-1, False), (0, True), (10, True), (11, False)])
def test_the_store_keeps_only_answers_on_the_nps_scale(answer, kept):
    con = fresh()
    responses(con, f"""
        response_id | respondent_id | wave  | submitted_on | nps
        r1          | a             | pulse | 2026-04-02   | {answer}
    """)
    stored = con.execute("SELECT count(*) FROM response_scores WHERE dimension = 'nps'").fetchone()[0]
    assert (scores.NPS_ANSWERS, stored) == ((0, 10), int(kept))
