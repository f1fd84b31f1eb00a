"""Impact: do participants stay and get promoted more than comparable colleagues, once who joins is
taken into account?"""
import streamlit as st

from analytics.measures import impact, retention, roi
from analytics.present import charts, formatting, impact_reading, roi_reading
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

st.title("Impact")
st.caption(f"{show.showing()}: employees on the comparison's starting date, 12 months "
           "before the quarter's end, and what happened to them in the 12 months after.")

why_not = session.compute(impact.unavailable)
block = None if why_not else session.standard(impact.block)
smallest_effect, min_size = session.setting("smallest_effect_of_interest"), session.setting("min_group_size")

if block is None:
    st.info(f"{why_not} Files are loaded on the **Upload** page.", icon=":material/upload_file:")
elif not block["n_participants"]:
    st.info(impact_reading.verdict("retention_12m", block["retention_12m"], smallest_effect, min_size,
                                   first_comparison_on=block.get("first_comparison_on")),
            icon=":material/event_upcoming:")
else:
    st.subheader("Compared with colleagues like them")
    for outcome, (name, _, _) in impact_reading.OUTCOMES.items():
        found = block[outcome]
        st.markdown(f"**{name}.** {show.escape(impact_reading.verdict(outcome, found, smallest_effect, min_size))}")
        sensitivity = impact_reading.sensitivity(outcome, found)
        if sensitivity:
            st.caption(sensitivity)
    st.caption(f"Comparable colleagues: non-participants of the same department, level and tenure band, weighted "
               f"so that each group counts as many times as it has participants. n = "
               f"{block['retention_12m']['n_participants']:,} matched participants, "
               f"{block['retention_12m']['n_comparison']:,} comparable colleagues.")

    st.subheader("Raw and adjusted")
    outcomes = session.standard(retention.employee_outcomes)
    show.chart(charts.raw_vs_adjusted, impact_reading.raw_and_adjusted(outcomes, block),
               "impact_raw_vs_adjusted",
               caption="Participants' share minus others', in percentage points, with 95% CIs. Raw: against every "
               "non-participant. Adjusted: against comparable colleagues only. The distance between the two "
               "dots is how much of the raw gap comes from who joins rather than from mentoring.")

    st.subheader("Are the groups alike?")
    show.chart(charts.balance_dots, impact_reading.balance(block), "impact_balance",
               caption="Each department's, level's and tenure band's share of participants, of all non-participants "
               "and of the comparable colleagues as weighted. Head-counts only, so nothing is hidden.")
    tenure = impact_reading.tenure_balance(block["tenure_smd"])
    if tenure:
        st.markdown(tenure)

    st.subheader("More meetings, better outcomes?")
    show.chart(charts.dose_response, impact_reading.dose_response(block), "impact_dose_response",
               caption="Participants' retention and promotion by meetings held in the year before the starting "
               "date, with 95% Wald CIs. This is an association, not an effect: those who meet more may "
               "differ in other ways.")
    p_values = {k: v for k, v in block["dose_response_p_values"].items() if not show.missing(v)}
    if p_values:
        st.caption("Across the bands (chi-square): " + "; ".join(
            f"{impact_reading.OUTCOMES[k][0].lower()} {formatting.p_text(v)}" for k, v in p_values.items()) + ".")

    st.subheader("Who is left out")
    st.markdown(impact_reading.left_out(block))

st.subheader(roi_reading.TITLE)
returns = session.standard(roi.block)
st.markdown(show.escape(roi_reading.verdict(returns)))
if returns["reason"] not in roi_reading.MESSAGES:
    tables.table(roi_reading.table(returns), "impact_roi",
                 caption="Each figure with its 95% interval, carried from the retention difference's CI. Amounts in "
                 f"{returns['currency']}; costs and the share credited to mentoring are set in Settings.")
st.caption(show.escape(roi_reading.intangibles(returns)))
