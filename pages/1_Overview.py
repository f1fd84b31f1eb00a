"""Overview: is the program working? Six KPIs against last quarter, two trends, the top insights."""
import streamlit as st

from analytics.measures import engagement, satisfaction
from analytics.present import charts, headlines
from pages import _common as ui

st.title("Overview")
st.caption(f"{ui.showing()}: the headline figures, each against the quarter before.")

heads = ui.standard(headlines.headlines)
for start in (0, 3):
    for column, row in zip(st.columns(3), heads.iloc[start:start + 3].to_dict("records")):
        with column:
            # The ✱ marks a change on the previous quarter; retention's test compares groups instead.
            tested = row["p_compares"] == "previous quarter"
            ui.tile(row["label"], row["value"], kind=row["kind"], change=row["change"],
                    significant=row["significant"] if tested else None, suppressed=bool(row["suppressed"]),
                    n=row["n"], metric=row["metric"], shielded=row["shielded"])
            st.caption(ui.tile_caption(row))
            if not tested:
                ui.versus_caption(row)
st.caption("✱ marks a change on the previous quarter that is significant (p < 0.05). Only the changes in NPS, "
           "satisfaction and goal attainment are tested: pair rates count mostly the same pairs in both quarters, "
           "and participants' retention is tested against non-participants instead. Hover a tile for its "
           "definition.")
if not heads.loc[heads["key"] == "active_pair_rate", "n"].iloc[0] and not heads.loc[heads["key"] == "nps", "n"].iloc[0]:
    ui.empty_state("pairs", "surveys")

left, right = st.columns(2)
periods = ui.trend_periods()
actions = ui.actions()
with left:
    ui.chart(charts.nps_trend, ui.compute(satisfaction.nps_trend, periods, ui.filters()), "nps_trend",
             metric="nps", needs=("surveys",), actions=actions)
with right:
    ui.chart(charts.trend, ui.compute(engagement.trend, periods, ui.filters()), "active_pair_rate_trend",
             metric="active_pair_rate", needs=("pairs",), series=ui.labels("active_pair_rate"),
             title="Active pair rate by quarter", y_title="Pairs with a held meeting (%)", percent=True,
             actions=actions)

st.subheader("What stands out")
ui.insights()
