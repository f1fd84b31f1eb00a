"""Improvements: log what the program changed, and see whether its metric moved."""
from datetime import date

import streamlit as st

from analytics import metrics
from pages import _common as ui


def log_form() -> None:
    with st.form("add_improvement", clear_on_submit=True):
        st.markdown("**Log an action**")
        cols = st.columns(2)
        title = cols[0].text_input("What changed", key="improvement_title", placeholder="Monthly check-in reminders")
        started = cols[1].date_input("Started on", value=date.today(), key="improvement_started")
        metric = cols[0].selectbox("Metric it should move", list(metrics.REGISTRY), key="improvement_metric",
                                   format_func=lambda name: metrics.REGISTRY[name].label)
        program = cols[1].text_input("Program (empty: all programs)", key="improvement_program",
                                     value=ui.filters().program or "")
        owner = cols[0].text_input("Owner", key="improvement_owner")
        description = st.text_area("Why, and what exactly", key="improvement_description")
        if st.form_submit_button("Add action", type="primary", icon=":material/add:"):
            if not title.strip():
                st.error("Give the action a title.")
                return
            ui.analytics_function("improvements.add_action")(
                ui.cursor(), title=title.strip(), started_on=started, metric=metric, program=program.strip() or None,
                owner=owner.strip() or None, description=description.strip() or None)
            ui.wrote()
            st.success(f"Logged: {title.strip()}")


st.title("Improvements")
st.caption("Log an action when you change the program. Each action shows its target metric in the two "
           "quarters before and after it, and appears as a dashed line on the trend charts.")
if ui.analytics_function("improvements.add_action") is None:
    ui.not_available("improvements.add_action")
else:
    log_form()
    st.subheader("Actions and their effect")
    effects = ui.compute("improvements.before_after", ui.filters())
    if effects is not None:
        if effects.empty:
            st.caption("No actions logged yet.")
        else:
            ui.table(effects, "improvement_effects")
