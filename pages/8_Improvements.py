"""Improvements: log what the program changed, and see whether its metric moved."""
from datetime import date

import streamlit as st

from analytics import formatting, improvements, insights, metrics
from analytics.filters import known_values
from pages import _common as ui


ALL_PROGRAMS = "All programs"
FIELDS = ("improvement_title", "improvement_started", "improvement_metric", "improvement_program",
          "improvement_owner", "improvement_description")


def log_form() -> None:
    # The form keeps what was typed when an action is refused; a logged action empties it on the next run.
    if st.session_state.pop("improvement_logged", False):
        for key in FIELDS:
            st.session_state.pop(key, None)
    programs = [ALL_PROGRAMS, *ui.compute(known_values, "program")]
    chosen = ui.filters().program
    with st.form("add_improvement", clear_on_submit=False):
        st.markdown("**Log an action**")
        cols = st.columns(2)
        title = cols[0].text_input("What changed", key="improvement_title", placeholder="Monthly check-in reminders")
        started = cols[1].date_input("Started on", value=date.today(), key="improvement_started")
        metric = cols[0].selectbox("Metric it should move", list(metrics.REGISTRY), key="improvement_metric",
                                   format_func=lambda name: metrics.REGISTRY[name].label)
        # A choice, not free text: a misspelt program would match no data and never be measured.
        program = cols[1].selectbox("Program", programs, key="improvement_program",
                                    index=programs.index(chosen) if chosen in programs else 0)
        owner = cols[0].text_input("Owner", key="improvement_owner")
        description = st.text_area("Why, and what exactly", key="improvement_description")
        if st.form_submit_button("Add action", type="primary", icon=":material/add:"):
            ui.require("log_improvement")
            try:
                improvements.add_action(ui.cursor(), title=title, started_on=started, metric=metric,
                                        program=None if program == ALL_PROGRAMS else program,
                                        owner=owner.strip() or None, description=description.strip() or None,
                                        actor=ui.user().name)
            except improvements.ImprovementError as exc:
                st.error(str(exc))
                return
            st.session_state["improvement_logged"] = True
            ui.wrote(f"Logged: {ui.escape(title.strip())}. It now marks the trend charts of its program.")


st.title("Improvements")
st.caption("Log an action when you change the program. Each action is judged on its target metric over the two "
           "quarters before and the two after it, in its own program, and appears as a dashed line on the trend "
           "charts of that program (an action for all programs, on every trend chart).")
if ui.can("log_improvement"):
    log_form()
else:
    st.caption("Logging actions needs the lead role; everyone can read them and their effect.")
program = ui.filters().program
NONE_LOGGED = "No actions logged yet" + (f" for {ui.escape(program)} or for all programs." if program else ".")
st.subheader("Actions and their effect")
effects = ui.standard(insights.improvement_effects)
if not effects:
    st.caption(NONE_LOGGED)
for effect in effects:
    st.markdown(f"- {ui.escape(effect['message'])}")
measured = ui.standard(insights.action_effects)
units = measured["metric"].map(lambda name: formatting.mean_of(metrics.REGISTRY[name].unit))  # means of 2 quarters
ui.table(measured, "improvement_effects", kinds={"before": units, "after": units, "change": units + "_change"},
         column_order=["title", "program", "started_on", "metric_label", "before", "after", "change", "note"])
st.subheader("The log")
logged = ui.compute(improvements.list_actions, program)
if logged.empty:
    st.caption(NONE_LOGGED)
else:
    ui.table(logged.drop(columns=["is_demo"], errors="ignore"), "improvement_actions")
