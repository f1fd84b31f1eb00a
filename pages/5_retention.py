"""Retention: do pairs last, and do participants stay with the organisation longer?"""
import streamlit as st

from analytics.measures import impact, retention
from analytics.present import charts, impact_reading
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

st.title("Retention")
st.caption(f"{show.showing()}: pairs matched up to the end of the quarter, and the "
           "12 months of HR data ending then.")
by = show.split_picker("ret_by", ("cohort", "program", "department"), default="cohort")

left, right = st.columns([3, 2])
with left:
    curves = session.standard(retention.km_curves, by=by)
    p_value = session.standard(retention.logrank_p, by=by) if by else None
    show.chart(charts.km_curves, curves, "pair_survival_curves", needs=("pairs",), group=by, p_value=p_value,
               caption="Kaplan–Meier estimate of the share of pairs not yet ended early at each month since "
               "matching (completed and open pairs censored), with 95% log-log Greenwood bands.")
with right:
    st.markdown("**Pairs still together at 3, 6 and 12 months**")
    tables.table(session.standard(retention.survival_at), "pair_survival",
                 caption="The same estimate read at 3, 6 and 12 months after matching, with its 95% CI and the "
                 "pairs still followed then (neither ended nor censored).",
                 column_config=tables.percent_columns("survival", "ci_low", "ci_high"), fit=364)
    reasons = session.standard(retention.early_exit_reasons)
    show.chart(charts.group_bars, reasons, "early_exit_reasons", category="end_reason",
               caption="Each end reason's share of the pairs that ended early (not 'completed') in the quarter.",
               value="share", title="Why pairs ended early this quarter", value_title="Share of early exits (%)",
               horizontal=True)

st.subheader("Participants vs non-participants")
outcomes = session.standard(retention.employee_outcomes)
if not session.compute(retention.has_employees):
    show.empty_state("employees")
else:
    show.chart(charts.participants_vs, outcomes, "employee_outcomes",
               caption="Shares of participants and of non-participants still employed, and promoted, in the 12 "
               "months to the quarter's end, with each difference, its 95% Wald CI and a chi-square/Fisher "
               "p-value.")
    # A raw gap mixes what mentoring does with who joins: its like-for-like reading stands under it.
    block = None if session.compute(impact.unavailable) else session.standard(impact.block)
    if block is not None and block["n_participants"]:
        smallest_effect, min_size = session.setting("smallest_effect_of_interest"), session.setting("min_group_size")
        for outcome, (name, _, _) in impact_reading.OUTCOMES.items():
            said = impact_reading.verdict(outcome, block[outcome], smallest_effect, min_size)
            st.caption(f"**Against comparable colleagues, {name.lower()}:** {show.escape(said)}")
        st.caption("How comparable colleagues are chosen, and how far they are alike: the Impact page.")
