"""Overview: is the program working? Three answers first (objectives, impact, what needs attention), then six
KPIs against last quarter, each judged by its objective where one is set, two trends and the findings."""
import streamlit as st

from analytics.measures import engagement, objectives, satisfaction
from analytics.present import charts, formatting, headlines, verdict
from pages import _session as session
from pages import _show as show

# Colour and icon of an answer's tone, and its word (what needs attention has words of its own).
TONES = {verdict.GOOD: ("green", ":material/check_circle:", "Yes"),
         verdict.WARNING: ("orange", ":material/error:", "Partly"),
         verdict.BAD: ("red", ":material/cancel:", "No"),
         verdict.NEUTRAL: ("gray", ":material/help:", "Not yet known")}
ATTENTION_WORDS = {verdict.GOOD: "Nothing urgent", verdict.WARNING: "To do"}
# Each answer in a few lines, so that all three fit the first screen of a phone; the rest on demand.
MORE = ("The objectives missed", "How the comparison reads", "Next findings")
STATUS_COLOURS = {objectives.ON_TRACK: "green", objectives.AT_RISK: "orange", objectives.OFF_TRACK: "red",
                  objectives.NOT_MEASURABLE: "gray"}

st.title("Overview")
st.caption(f"{show.showing()}: is the program working?")

verdict_answers = session.standard(verdict.answers)
for column, answer, more in zip(st.columns(3), verdict_answers, MORE):
    colour, icon, word = TONES[answer.tone]
    word = ATTENTION_WORDS.get(answer.tone, word) if answer is verdict_answers[-1] else word
    with column, st.container(border=True, height="stretch", gap="small"):
        st.markdown(f":{colour}-badge[{icon} {word}] **{answer.question}**  \n{show.escape(answer.headline)}")
        if answer.details:
            with st.expander(more):
                st.caption("  \n".join(f"• {show.escape(detail)}" for detail in answer.details))

heads = session.standard(headlines.headlines)
card = session.standard(objectives.scorecard)
for start in (0, 3):
    for column, row in zip(st.columns(3), heads.iloc[start:start + 3].to_dict("records")):
        with column:
            # The ✱ marks a change on the previous quarter; retention's test compares groups instead.
            tested = row["p_compares"] == "previous quarter"
            show.tile(row["label"], row["value"], kind=row["kind"], change=row["change"],
                      significant=row["significant"] if tested else None, suppressed=bool(row["suppressed"]),
                      n=row["n"], metric=row["metric"], shielded=row["shielded"])
            judged = verdict.objective_of(card, row["metric"], session.filters().program)
            if judged:
                target = formatting.show(judged["target"], judged["unit"])
                st.badge(f"{objectives.STATUS_TEXT[judged['status']]}: target "
                         f"{objectives.DIRECTIONS[judged['direction']]} {target}",
                         color=STATUS_COLOURS[judged["status"]], help=show.escape(judged["objective"]))
            st.caption(show.tile_caption(row))
            if not tested:
                show.versus_caption(row)
st.caption("✱ marks a change on the previous quarter that is significant (p < 0.05). Only the changes in NPS, "
           "satisfaction and goal attainment are tested: pair rates count mostly the same pairs in both quarters, "
           "and participants' retention is tested against non-participants instead. Hover a tile for its "
           "definition.")
if not heads.loc[heads["key"] == "active_pair_rate", "n"].iloc[0] and not heads.loc[heads["key"] == "nps", "n"].iloc[0]:
    show.empty_state("pairs", "surveys")

left, right = st.columns(2)
periods = session.trend_periods()
actions = session.actions()
with left:
    show.chart(charts.nps_trend, session.compute(satisfaction.nps_trend, periods, session.filters()), "nps_trend",
               metric="nps", needs=("surveys",), actions=actions)
with right:
    show.chart(charts.trend, session.compute(engagement.trend, periods, session.filters()), "active_pair_rate_trend",
               metric="active_pair_rate", needs=("pairs",), series=show.labels("active_pair_rate"),
               title="Active pair rate by quarter", y_title="Pairs with a held meeting (%)", percent=True,
               actions=actions)

st.subheader("What stands out", help="Every finding of the quarter, most important first.")
show.insights()
