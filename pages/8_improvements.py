"""Improvements: log what the program changed, see whether its metric moved, and correct the log."""
from datetime import date

import pandas as pd
import streamlit as st

from analytics.measures import effects, improvements, registry
from analytics.present import formatting, insights
from pages import _scope
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

ALL_PROGRAMS, ALL_COHORTS = "All programs", "All cohorts"
# Overall satisfaction is what most actions mean to move; a count of survey responses rarely is.
DEFAULT_METRIC = "overall_satisfaction_mean"


def action_fields(prefix: str, action: dict | None = None) -> dict:
    """The widgets of an action (empty for a new one, else filled with `action`) → their values, keyed as
    improvements.add_action takes them."""
    # A choice, not free text: a misspelt program or cohort would match no data and never be measured.
    programs, cohorts = _scope.choices("program", ALL_PROGRAMS), _scope.choices("cohort", ALL_COHORTS)
    chosen = session.filters()
    action = action or {"program": chosen.program, "cohort": chosen.cohort, "metric": DEFAULT_METRIC}
    names = list(registry.REGISTRY)
    cols = st.columns(2)
    title = cols[0].text_input("What changed", action.get("title") or "", key=f"{prefix}_title",
                               placeholder="Monthly check-in reminders")
    started = cols[1].date_input("Started on", action.get("started_on") or date.today(), key=f"{prefix}_started")
    metric = cols[0].selectbox("Metric it should move", names, index=names.index(action["metric"]),
                               key=f"{prefix}_metric", format_func=lambda name: registry.REGISTRY[name].label)
    program = cols[1].selectbox("Program", programs, key=f"{prefix}_program",
                                index=programs.index(action["program"]) if action["program"] in programs else 0)
    owner = cols[0].text_input("Owner", action.get("owner") or "", key=f"{prefix}_owner")
    cohort = cols[1].selectbox("Cohort", cohorts, key=f"{prefix}_cohort",
                               index=cohorts.index(action["cohort"]) if action["cohort"] in cohorts else 0)
    description = st.text_area("Why, and what exactly", action.get("description") or "", key=f"{prefix}_description")
    return {"title": title, "started_on": started, "metric": metric, "owner": owner, "description": description,
            "program": None if program == ALL_PROGRAMS else program,
            "cohort": None if cohort == ALL_COHORTS else cohort}


def _generation(form: str) -> str:
    """The widget-key prefix of `form`'s current copy: 'improvement', then 'improvement1', … A browser keeps
    what a widget holds across runs whatever the session says, so a form is emptied by drawing new widgets."""
    return f"{form}{st.session_state.get(f'{form}_generation', 0) or ''}"


def _renew(form: str) -> None:
    st.session_state[f"{form}_generation"] = st.session_state.get(f"{form}_generation", 0) + 1


def log_form() -> None:
    # A refused action keeps what was typed; a logged one empties the form, so that a second click cannot
    # log it again (add_action refuses an exact duplicate as well).
    with st.form("add_improvement"):
        st.markdown("**Log an action**")
        fields = action_fields(_generation("improvement"))
        if st.form_submit_button("Add action", type="primary", icon=":material/add:"):
            session.require("log_improvement")
            _scope.require_in_scope(fields["program"])
            try:
                improvements.add_action(session.cursor(), **fields, actor=session.user().name)
            except improvements.ImprovementError as exc:
                st.error(str(exc))
                return
            _renew("improvement")
            session.wrote(f"Logged: {show.escape(fields['title'].strip())}, "
                          f"{show.escape(improvements.scope_text(fields['program'], fields['cohort']))}. "
                          "The form is empty for the next action.")


def edit_form(logged: pd.DataFrame) -> None:
    """Correct or delete a logged action (leads and admins; audited)."""
    st.subheader("Edit or delete an action")
    titles = dict(zip(logged["action_id"], logged["title"]))
    # Drawn anew after each save, as the form is: a browser keeps showing a kept widget's old title.
    chosen = st.selectbox("Action", list(titles), format_func=lambda i: f"#{i} {titles[i]}",
                          key=f"{_generation('edit')}_action_id")
    action = improvements.get_action(session.cursor(), chosen)
    action["started_on"] = pd.Timestamp(action["started_on"]).date()
    prefix = f"{_generation('edit')}_{chosen}"  # each action's own widgets, drawn with its values
    with st.form("edit_improvement"):
        fields = action_fields(prefix, action)
        save = st.form_submit_button("Save changes", icon=":material/save:")
    sure = st.checkbox("Delete this action for good", key=f"{prefix}_delete_sure")
    delete = st.button("Delete action", disabled=not sure, icon=":material/delete:", key="edit_delete")
    if save or delete:
        session.require("log_improvement")
        _scope.require_in_scope(action["program"])
        _scope.require_in_scope(fields["program"])
        try:
            if delete:
                improvements.delete_action(session.cursor(), chosen, actor=session.user().name)
            else:
                # Only what changed is written (and audited); blank text is no value, as add_action takes it.
                changed = {k: v for k, v in fields.items()
                           if (v.strip() or None if isinstance(v, str) else v) != action[k]}
                improvements.edit_action(session.cursor(), chosen, actor=session.user().name, **changed)
        except improvements.ImprovementError as exc:
            st.error(str(exc))
            return
        _renew("edit")
        if not delete:
            st.session_state[f"{_generation('edit')}_action_id"] = chosen  # the saved action stays chosen
        title = titles[chosen] if delete else fields["title"].strip()
        session.wrote(f"{'Deleted' if delete else 'Saved'}: action #{chosen} {show.escape(title)}.")


def effect_table(frame: pd.DataFrame) -> pd.DataFrame:
    """effects.action_effects as a reader sees it: each figure in its metric's unit (rates as %)."""
    def row(effect: dict) -> dict:
        unit = formatting.mean_of(effect["unit"])  # each side is a mean of two quarters

        def in_unit(value: float) -> str:
            return formatting.show(value, unit)

        def show_change(value: float) -> str:
            return formatting.change(value, unit)

        def value(key: str) -> str:
            return "" if show.missing(effect[key]) else in_unit(effect[key])

        def count(n) -> str:
            return "" if show.missing(n) else f"{int(n):,}"

        def change(key: str, low: str, high: str) -> str:
            if show.missing(effect[key]):
                return ""
            interval = ("" if show.missing(effect[low])
                        else f" ({show_change(effect[low])} to {show_change(effect[high])})")
            return show_change(effect[key]) + interval

        return {"action": effect["title"], "for": effect["scope"], "started on": effect["started_on"],
                "metric": effect["metric_label"], "before": value("before"), "after": value("after"),
                "n before": count(effect["n_before"]), "n after": count(effect["n_after"]),
                "change (95% CI)": change("change", "change_low", "change_high"),
                "compared with": effect["compared_with"] or "",
                "their change": "" if show.missing(effect["comparison_change"]) else show_change(
                    effect["comparison_change"]),
                "difference in differences (95% CI)": change("did", "did_low", "did_high"),
                "method": effect["note"] or effect["method"] or ""}
    return pd.DataFrame([row(effect) for effect in frame.to_dict("records")])


st.title("Improvements")
st.caption("Log an action when you change the program, for one program, one cohort or everyone. Each action is "
           "judged on its target metric over the two quarters before and the two after it, in its own group, with "
           "the change's 95% interval where the metric is a mean or a share; an action of one program or cohort is "
           "also compared with those it left out (difference in differences). It appears as a dashed line on the "
           "trend charts of its program.")
if session.can("log_improvement"):
    log_form()
else:
    st.caption("Logging, editing and deleting actions needs the lead role; everyone can read them and their effect.")
chosen = session.filters()
NONE_LOGGED = "No actions logged yet" + (f" for {show.escape(chosen.sentence())} or for everyone."
                                         if chosen.program or chosen.cohort else ".")
st.subheader("Actions and their effect")
found = session.standard(insights.improvement_effects)
if not found:
    st.caption(NONE_LOGGED)
for finding in found:
    st.markdown(f"- {show.escape(finding['message'])}")
measured = session.standard(effects.action_effects)
if not measured.empty:
    st.dataframe(tables.readable(effect_table(measured)), hide_index=True, key="table_improvement_effects",
                 column_config={"started on": st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.caption("Before and after: the mean of the two quarters' figures. n: the answers, pairs, goals or people "
               "behind them, each quarter's counted. The 95% interval is ±1.96 standard errors (s²/n for a mean, "
               "p(1 − p)/n for a share); the difference in differences is the action's change less that of the "
               "groups it left out, its variance the sum of the four sides'. Counts and medians have no interval.")
    tables.download(measured, "improvement_effects")
st.subheader("The log")
logged = session.compute(improvements.list_actions, chosen.program, chosen.cohort, chosen.scope)
if logged.empty:
    st.caption(NONE_LOGGED)
else:
    scopes = [improvements.scope_text(p, c) for p, c in zip(logged["program"], logged["cohort"])]
    labels = logged["metric"].map(lambda name: registry.REGISTRY[name].label)
    tables.table(logged.drop(columns=["program", "cohort", "is_demo"]).assign(**{"for": scopes, "metric": labels}),
                 "improvement_actions",
                 column_order=["action_id", "title", "for", "started_on", "metric", "owner", "description",
                               "created_at"])
    if session.can("log_improvement"):
        edit_form(logged)
