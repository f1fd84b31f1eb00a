"""Overview: is the program working? Six KPIs against last quarter, two trends, the top insights."""
import streamlit as st

from analytics import charts
from pages import _common as ui

st.title("Overview")
st.caption(f"{ui.filters().sentence(ui.period())}: the headline figures, each against the quarter before.")

now = ui.standard("metrics.metrics_json")
before = ui.compute("metrics.metrics_json", ui.period().previous(), ui.filters())
change = ui.standard("satisfaction.change")
if now is not None and before is not None and change is not None:
    nps, engaged = now["satisfaction"]["nps"], now["engagement"]
    overall = ui.pick(now["satisfaction"]["dimensions"], dimension="overall_satisfaction")
    six, six_before = (ui.pick(m["retention"]["pair_survival"], months=6) for m in (now, before))
    people, people_before = (m["retention"]["employee_retention_12m"] or {} for m in (now, before))
    row1, row2 = st.columns(3), st.columns(3)
    with row1[0]:
        ui.tile("Net Promoter Score", nps["value"], kind="nps", metric="nps", suppressed=nps["suppressed"],
                n=nps["n"], **ui.tested_change(change, "nps"))
    with row1[1]:
        ui.tile("Overall satisfaction (mean score)", overall.get("mean"), kind="score",
                metric="overall_satisfaction_mean", suppressed=bool(overall.get("suppressed")), n=overall.get("n"),
                **ui.tested_change(change, "overall_satisfaction"))
    with row1[2]:
        ui.tile("Active pair rate", engaged["active_pair_rate"], previous=before["engagement"]["active_pair_rate"],
                metric="active_pair_rate", n=engaged["open_pairs"])
    with row2[0]:
        ui.tile("Pairs together at 6 months", six.get("survival"), previous=six_before.get("survival"),
                metric="pair_survival_6m", n=six.get("at_risk"))
    with row2[1]:
        ui.tile("Participants' 12-month retention", people.get("participants"),
                previous=people_before.get("participants"), metric="employee_retention_12m",
                n=people.get("n_participants"), suppressed=bool(people.get("suppressed")))
        ui.versus_caption(people, "non-participants")
    with row2[2]:
        ui.tile("Goal attainment", now["outcomes"]["goal_attainment_rate"],
                previous=before["outcomes"]["goal_attainment_rate"], metric="goal_attainment_rate")
    st.caption("✱ marks a change on the previous quarter with p < 0.05 (NPS and satisfaction are tested; "
               "the other changes are shown untested). Hover a tile for its definition and n.")
    if not engaged["open_pairs"] and not now["satisfaction"]["responses"]:
        ui.empty_state("pairs", "surveys")

left, right = st.columns(2)
periods = ui.trend_periods()
actions = ui.actions()
with left:
    ui.chart(charts.nps_trend, ui.compute("satisfaction.nps_trend", periods, ui.filters()), "nps_trend",
             metric="nps", needs=("surveys",), actions=actions)
with right:
    ui.chart(charts.trend, ui.compute("engagement.trend", periods, ui.filters()), "active_pair_rate_trend",
             metric="active_pair_rate", needs=("pairs",), series={"active_pair_rate": "Active pair rate"},
             title="Active pair rate by quarter", y_title="Pairs with a held meeting (%)", percent=True,
             actions=actions)

st.subheader("What stands out")
ui.insights()
