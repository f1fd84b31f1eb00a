"""Settings: anonymity thresholds, the at-risk rule, the fiscal year and the meeting target; the costs behind the
return on investment; clear the demo;
for admins, the audit log, erasure of one person, the configured users and the report's recipients; for leads and
admins, objectives."""
from datetime import date

import pandas as pd
import streamlit as st

from analytics.measures import objectives, registry
from analytics.measures.filters import Filters, available_quarters, known_values, last_complete_quarter
from analytics.ops import delivery, demo, privacy
from analytics.present import formatting
from analytics.report import FORMATS
from analytics.store import audit, errors, queries, settings
from pages import _schedule, _scope
from pages import _session as session
from pages import _show as show
from pages import _tables as tables


def _setting_input(key: str, spec: settings.Setting, value):
    """The widget of one setting: a number, the currency code, or a box for each program's cost."""
    default = f"{spec.default:,}" if isinstance(spec.default, (int, float)) else spec.default or "none"
    label, help_text = spec.help[0].upper() + spec.help[1:], f"`{key}`, default {default}"
    if spec.kind is settings.currency_code:
        return st.text_input(label, value=value, max_chars=3, key=f"setting_{key}", help=help_text)
    if spec.kind is settings.program_costs:
        return _program_costs(key, label, value)
    step = 1 if spec.kind is int else 0.5
    return st.number_input(label, value=spec.kind(value), step=spec.kind(step),
                           min_value=spec.kind(spec.low) if spec.kind is int else float(spec.low),
                           max_value=None if spec.high is None else spec.kind(spec.high),
                           key=f"setting_{key}", help=help_text)


def _cost(value) -> float | None:
    return None if value is None else float(value)


def _program_costs(key: str, label: str, value: dict[str, float]) -> dict[str, float]:
    """One box per program, three to a row (a grid would cost every new session of this page half a second):
    the programs in the data and those already costed; an empty box is not set."""
    programs = sorted(set(known_values(session.cursor(), "program")) | set(value))
    st.markdown(f":small[{label}]", help=f"`{key}`: a box left empty is not set")
    costs = {}
    for start in range(0, len(programs), 3):
        for column, program in zip(st.columns(3), programs[start:start + 3]):
            costs[program] = column.number_input(show.escape(program), value=_cost(value.get(program)), min_value=0.0,
                                                 step=1000.0, placeholder="not set", key=f"setting_{key}:{program}")
    return {program: cost for program, cost in costs.items() if cost is not None}


GROUP_NOTES = {
    "roi": "The return on investment on the Impact page and in the report: the benefit of the departures mentoring "
           "avoided against what the programs cost. A cost of 0 is not set.",
    "delivery": "When the running dashboard e-mails the last complete quarter's report to the recipients below.",
}


def settings_form(group: str = "general") -> None:
    """The settings of one group (settings.Setting.group), saved together."""
    current = settings.all_settings(session.cursor())
    with st.form(f"settings_{group}"):
        if group in GROUP_NOTES:
            st.caption(GROUP_NOTES[group])
        values = {key: _setting_input(key, spec, current[key])
                  for key, spec in settings.SETTINGS.items() if spec.group == group}
        if st.form_submit_button("Save settings", type="primary"):
            session.require("change_settings")
            try:
                for key, value in values.items():
                    if value != current[key]:
                        settings.set(session.cursor(), key, value, actor=session.user().name)
            except settings.SettingsError as exc:
                st.error(str(exc))
                return
            session.wrote("Saved. Every page now uses the new settings.")


def demo_controls() -> None:
    if not queries.has_demo(session.cursor()):
        st.caption("No demo data is loaded.")
        return
    st.caption("The sample programs loaded on first start. Clearing removes their rows, uploads, "
               "improvement actions and objectives; your own uploads stay.")
    if not st.session_state.get("clear_demo_pending"):
        if st.button("Clear demo data", type="primary", key="clear_demo", icon=":material/delete:"):
            st.session_state["clear_demo_pending"] = True
            st.rerun()
        return
    st.warning("Clear the demo data? It is not loaded again afterwards, and your own rows that refer to its "
               "people or pairs will show under Data health on the Upload page.", icon=":material/warning:")
    if show.confirmed("clear_demo", "Yes, clear it", ":material/delete:", right="clear_demo"):
        removed = demo.clear_demo(session.cursor(), actor=session.user().name)
        session.wrote(f"Removed {removed} demo uploads. Upload your own exports on the **Upload** page.")


def audit_log() -> None:
    st.caption("Sign-ins (and failed ones), uploads, removals, erasures, setting changes, report recipients and "
               "deliveries, newest first.")
    entries = audit.entries(session.cursor())
    if entries.empty:
        st.caption("Nothing recorded yet.")
    tables.table(entries, "audit_log")


def erasure() -> None:
    st.caption("Removes one person's participant and HR records, survey answers and comments, and rejected rows "
               "naming them, and replaces mentions of them in free text (audit log, file names, notes, comments) "
               "by [erased]; their pairs stay for the partner's sake with the id replaced. The database file is then "
               "rewritten so no byte of them is left, and a backup restored later has the erasure applied again. "
               "The audit log records that an erasure happened, not whom it erased. This cannot be undone.")
    pending = st.session_state.get("erase_pending")
    if pending is None:
        participant = st.text_input("Participant id", key="erase_id", max_chars=200)
        if st.button("Erase…", key="erase_start", icon=":material/person_remove:"):
            if not participant.strip():
                st.error("Give the participant id to erase.", icon=":material/error:")
                return
            st.session_state["erase_pending"] = participant.strip()
            st.rerun()
        return
    st.warning(f"Erase everything stored about participant **{show.escape(pending)}**? This cannot be undone.",
               icon=":material/warning:")
    if show.confirmed("erase", "Yes, erase", ":material/delete_forever:", right="erase"):
        try:
            changed = privacy.erase_participant(session.cursor(), pending, actor=session.user().name)
        except privacy.ErasureError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        try:
            session.rewrite_database()
        except errors.DatabaseError:  # the erasure itself is committed; only the file's old bytes remain
            st.error(f"Erased participant {show.escape(pending)}, but the database file could not be rewritten (the "
                     "disk may be full), so the bytes of their deleted rows may remain in it until the next "
                     "erasure rewrites it.", icon=":material/error:")
            st.stop()  # this run's cursor closed with the file; the next run opens it again
        removed = ", ".join(f"{table.replace('_', ' ')} {count:,}" for table, count in changed.items() if count)
        session.wrote(f"Erased participant {show.escape(pending)}. Rows removed or made anonymous: {removed}.")


ALL_PROGRAMS = "All programs"


def objective_fields(prefix: str, objective: dict | None = None) -> dict:
    """The widgets of an objective (defaults for a new one, else `objective`'s values) → the fields
    objectives.add_objective takes, the target and band converted from percent where the figure is a share."""
    objective = objective or {"metric": "nps", "program": None, "direction": None, "target": None,
                              "amber_band": None}
    names, programs = list(registry.TARGETABLE), _scope.choices("program", ALL_PROGRAMS)
    unit = registry.TARGETABLE[objective["metric"]].unit
    # A row of two per pair of fields, so that a narrow screen stacks them in reading order.
    cols = st.columns(2)
    metric = cols[0].selectbox("Metric", names, index=names.index(objective["metric"]), key=f"{prefix}_metric",
                               format_func=lambda name: registry.TARGETABLE[name].label)
    program = cols[1].selectbox("Program", programs, key=f"{prefix}_program",
                                index=programs.index(objective["program"]) if objective["program"] in programs else 0)
    cols = st.columns(2)
    direction = cols[0].selectbox("Direction", list(objectives.DIRECTIONS), key=f"{prefix}_direction",
                                  index=list(objectives.DIRECTIONS).index(
                                      objective["direction"] or objectives.default_direction(metric)),
                                  format_func=lambda d: d.replace("_", " "))
    target = cols[1].number_input("Target", value=objectives.as_entered(objective["target"], unit),
                                  key=f"{prefix}_target", step=1.0, placeholder="20",
                                  help="In the metric's unit; shares (rates) and their differences in percent.")
    band = st.columns(2)[0].number_input(
        "Amber band (optional)", value=objectives.as_entered(objective["amber_band"], unit), min_value=0.0,
        key=f"{prefix}_band", step=1.0, placeholder="none",
        help="How far short of the target still counts as at risk rather than off track, in the target's unit "
             "(points for a share).")
    unit = registry.TARGETABLE[metric].unit
    return {"metric": metric, "program": None if program == ALL_PROGRAMS else program, "direction": direction,
            "target": objectives.as_stored(target, unit), "amber_band": objectives.as_stored(band, unit)}


def objective_statuses() -> None:
    card = session.compute(objectives.scorecard, session.period(), Filters(scope=session.user().scope))
    if card.empty:
        st.caption("No objectives yet: add one below.")
        return
    shown = pd.DataFrame({
        "status": card["status"].map(objectives.STATUS_TEXT), "objective": card["objective"],
        session.period().label: [formatting.show(v, u) for v, u in zip(card["value"], card["unit"])],
        "95% CI": ["" if show.missing(low) else f"{formatting.show(low, u)} to {formatting.show(high, u)}"
                   for low, high, u in zip(card["ci_low"], card["ci_high"], card["unit"])],
        "n": card["n"], "why not measurable": card["reason"]})
    tables.table(shown, "objectives",
                 caption=f"Each objective's status in {session.period().label} (the quarter chosen in the sidebar), "
                 "over its program or all programs. On track: the estimate meets the target; off track: its 95% CI "
                 "(without one, the estimate) lies wholly beyond the target and the amber band; at risk in between "
                 "(docs/metrics.md, Objectives).")


def objectives_section() -> None:
    st.caption("Targets for the figures leadership follows, each judged every quarter (the Overview and reports "
               "can show them). Every change is in the audit log.")
    objective_statuses()
    with st.form("add_objective"):
        st.markdown("**Add an objective**")
        fields = objective_fields("objective")
        if st.form_submit_button("Add objective", type="primary", icon=":material/add:"):
            session.require("set_objectives")
            _scope.require_in_scope(fields["program"])
            try:
                objectives.add_objective(session.cursor(), **fields, actor=session.user().name)
            except objectives.ObjectiveError as exc:
                st.error(str(exc))
                return
            session.wrote(f"Added: {show.escape(objectives.describe(fields))}.")
    listed = session.compute(objectives.list_objectives)
    if (scope := session.user().scope) is not None:  # a scoped lead edits their programs' objectives only
        listed = listed[listed["program"].isin(scope)]
    if listed.empty:
        return
    st.markdown("**Edit or delete an objective**")
    described = {row["objective_id"]: objectives.describe(row) for row in listed.to_dict("records")}
    chosen = st.selectbox("Objective", list(described), format_func=lambda i: f"#{i} {described[i]}",
                          key="edit_objective_id")
    with st.form("edit_objective"):
        fields = objective_fields(f"edit_objective_{chosen}", objectives.get_objective(session.cursor(), chosen))
        save = st.form_submit_button("Save changes", icon=":material/save:")
    sure = st.checkbox("Delete this objective for good", key=f"edit_objective_{chosen}_delete_sure")
    delete = st.button("Delete objective", disabled=not sure, icon=":material/delete:", key="edit_objective_delete")
    if save or delete:
        session.require("set_objectives")
        _scope.require_in_scope(fields["program"])
        try:
            if delete:
                objectives.delete_objective(session.cursor(), chosen, actor=session.user().name)
            else:
                objectives.edit_objective(session.cursor(), chosen, actor=session.user().name, **fields)
        except objectives.ObjectiveError as exc:
            st.error(str(exc))
            return
        session.wrote(f"{'Deleted' if delete else 'Saved'}: objective #{chosen} {show.escape(described[chosen])}.")


def users() -> None:
    configured, provider = session.configured_users(), session.identity_provider()
    if not configured and provider is None:
        st.caption("No users are configured: Mentorscope runs in single-user local mode.")
    scoped = {name: tuple(entry.get("programs", [])) for name, entry in configured.items()}
    if configured:
        tables.table(pd.DataFrame([(name, entry["role"], ", ".join(scoped[name]) or "all")
                                   for name, entry in configured.items()], columns=["user", "role", "programs"]),
                     "users", caption="Password users ([auth.users]); an admin sees all programs whatever it says.")
    if provider is not None:
        rules = provider.rules
        scoped.update(rules.scopes)
        if rules.scopes:
            tables.table(pd.DataFrame([(who, ", ".join(programs)) for who, programs in rules.scopes.items()],
                                      columns=["who", "programs"]), "sso_scopes",
                         caption="Program scopes of those who sign in with the identity provider "
                         "([auth.roles.programs], by e-mail or group): every program named for them, all when none is.")
        given = ([("e-mail", email, role) for email, role in rules.by_email.items()]
                 + [(f"group ({rules.group_claim} claim)", group, role) for group, role in rules.by_group.items()])
        names = ", ".join(p.label for p in provider.providers)
        if given:
            tables.table(pd.DataFrame(given, columns=["by", "who", "role"]), "sso_roles",
                         caption=f"Roles of those who sign in with {names} ([auth.roles]); the highest one applies.")
        else:
            st.warning(f"Sign-in with {names} is set up, but [auth.roles] gives no one a role, so everyone is "
                       "refused.", icon=":material/warning:")
    known = set(known_values(session.cursor(), "program"))
    for who, programs in scoped.items():
        if unknown := [p for p in programs if p not in known]:
            st.warning(f"{show.escape(who)} is limited to {show.escape(', '.join(unknown))}, which no loaded data "
                       "names, so they see nothing of it: check the spelling in secrets.toml.",
                       icon=":material/warning:")
    st.caption("Users and their roles are added, changed and removed in `.streamlit/secrets.toml` (README, "
               "*Sign-in and roles*); `python -m analytics hash-password` makes a password hash. A change applies "
               "at the user's next click.")


def report_delivery() -> None:
    st.caption("Each recipient is e-mailed the last complete quarter's report: one report per program they may see, "
               "or the report on all programs when none is chosen. The running dashboard sends it on the schedule "
               "below; without a running dashboard, `python -m analytics deliver` from cron does (README, "
               "*Delivery*). Adding and removing recipients, and every send, is audited.")
    delivery_schedule()
    tables.table(delivery.last_deliveries(session.cursor()), "recipients")
    with st.form("add_recipient", clear_on_submit=True):
        address, name = st.columns(2)
        email = address.text_input("E-mail address", max_chars=320, key="recipient_email")
        display_name = name.text_input("Name (optional)", max_chars=200, key="recipient_name")
        programs = st.multiselect("Programs (none: all programs)", known_values(session.cursor(), "program"),
                                  key="recipient_programs")
        formats = st.multiselect("Formats", FORMATS, default=list(delivery.DEFAULT_FORMATS), key="recipient_formats")
        if st.form_submit_button("Add recipient", key="recipient_add", icon=":material/person_add:"):
            session.require("change_settings")
            try:
                added = delivery.add_recipient(session.cursor(), email, display_name, programs, formats,
                                               actor=session.user().name)
            except delivery.DeliveryError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            session.wrote(f"Added {show.escape(added.email)}: {show.escape(added.scope())}.")
    listed = [r.email for r in delivery.recipients(session.cursor())]
    if not listed:
        return
    chosen, remove = st.columns([3, 1], vertical_alignment="bottom")
    email = chosen.selectbox("Recipient", listed, key="recipient_remove")
    if remove.button("Remove", key="recipient_remove_button", icon=":material/person_remove:"):
        session.require("change_settings")
        try:
            delivery.remove_recipient(session.cursor(), email, actor=session.user().name)
        except delivery.DeliveryError as exc:  # removed meanwhile in another browser
            st.error(str(exc), icon=":material/error:")
            return
        session.wrote(f"Removed {show.escape(email)}; the reports already sent to them stay on record.")
    send_now()


def delivery_schedule() -> None:
    """The schedule's two settings, what it will do next, and how its last run went."""
    settings_form("delivery")
    path = st.session_state["cursor_path"]
    st.caption(_schedule.plan(settings.all_settings(session.cursor())))
    if (last := _schedule.last_run(path)) is not None:
        said, failed = last
        (st.warning if failed else st.info)(said, icon=":material/schedule_send:")


def send_now() -> None:
    """The same sends as `deliver`, from the running dashboard (which holds the database the command needs)."""
    fiscal_start = settings.get(session.cursor(), "fiscal_year_start_month")
    due = last_complete_quarter(date.today(), fiscal_start).label
    quarters = [p.label for p in available_quarters(session.cursor(), fiscal_start)]
    if not quarters:
        return
    chosen, send = st.columns([3, 1], vertical_alignment="bottom")
    label = chosen.selectbox("Quarter", quarters, index=quarters.index(due) if due in quarters else 0,
                             key="deliver_quarter", help="Recipients who already have this quarter's report are "
                                                         "skipped; failed sends are tried again.")
    if not send.button("Send now", key="deliver_now", icon=":material/send:"):
        return
    session.require("change_settings")
    period = next(p for p in available_quarters(session.cursor(), fiscal_start) if p.label == label)
    try:
        with st.spinner("Building and sending the reports…"):
            outcomes = delivery.deliver(session.cursor(), period, actor=session.user().name)
    except delivery.DeliveryBusy as exc:
        st.warning(str(exc), icon=":material/hourglass_top:")
        return
    session.wrote(*[("**Not sent:** " if o.status == "failed" else "") + show.escape(o.line()) for o in outcomes]
                  or ["No recipients."])


st.title("Settings")
session.require_page("10_settings")
st.caption("These apply to every page, the report and the command line.")
# (section title, right it needs, what draws it)
SECTIONS = [("Thresholds and calendar", "change_settings", settings_form),
            ("Return on investment", "change_settings", lambda: settings_form("roi")),
            ("Objectives", "set_objectives", objectives_section), ("Demo data", "clear_demo", demo_controls),
            ("Audit log", "view_audit", audit_log), ("Erase one person", "erase", erasure),
            ("Users and roles", "manage_users", users), ("Report delivery", "change_settings", report_delivery)]
for title, right, draw in SECTIONS:
    if session.can(right):
        st.subheader(title)
        draw()
