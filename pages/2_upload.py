"""Upload: bring in exports, check them before anything is written, then load them."""
from dataclasses import replace

import pandas as pd
import streamlit as st

from analytics.ingest import isolated, pipeline
from analytics.ingest.columns import KINDS
from analytics.ingest.load import remove_upload
from analytics.ingest.mapping import DIMENSIONS, question_groups
from analytics.ingest.tools import tool_name, tool_names
from analytics.ops import health
from analytics.present import charts, wording
from analytics.store.plausible import EARLIEST, latest_plausible
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

NOT_SCORED = "(not scored)"
SCALES = (4, 5, 7, 10, 11)


def label_map_from(key: str) -> dict:
    """Scores the user gave to unknown answer labels (kept in the session by widget key)."""
    chosen = {}
    for item_id, labels in st.session_state.get(f"{key}_label_needs", {}).items():
        points = st.session_state.get(f"{key}_points_{item_id}", 5)
        scores = {text: (st.session_state.get(f"{key}_label_{item_id}_{i}"), points) for i, text in enumerate(labels)}
        chosen[item_id] = {text: value for text, value in scores.items() if value[0] is not None}
    return {item: labels for item, labels in chosen.items() if labels}


def mapping_widgets(key: str, questions: pd.DataFrame, suggestions: dict) -> None:
    """Only questions no earlier upload of the survey mapped are asked about; a grid's long question once."""
    if not questions.empty:
        st.markdown(f"**{wording.counted(len(questions), 'question')} to map**: which dimension does "
                    f"{'it' if len(questions) == 1 else 'each'} measure? Suggestions are pre-filled.")
        options = [NOT_SCORED, *DIMENSIONS]
        for stem, group in question_groups(zip(questions["item_id"], questions["question_text"].fillna(""))):
            if stem:
                st.caption(show.escape(stem))
            for item_id, text in group:
                suggested = suggestions.get(item_id)
                st.text(text or item_id)
                st.selectbox("Dimension", options, key=f"{key}_map_{item_id}", label_visibility="collapsed",
                             index=options.index(suggested) if suggested in options else 0,
                             format_func=lambda code: code if code == NOT_SCORED else charts.label(code))
    for item_id, labels in st.session_state.get(f"{key}_label_needs", {}).items():
        st.markdown("**Score the answer labels** that no known scale explains, in the question:")
        st.text(item_id)
        points = st.selectbox("Points on this question's scale", SCALES, index=1, key=f"{key}_points_{item_id}")
        for position, text in enumerate(labels):
            st.number_input(f"Score for: {show.escape(text)}", min_value=0.0, max_value=float(points), step=1.0,
                            value=None, key=f"{key}_label_{item_id}_{position}",
                            help="Leave empty to treat this label as a missing answer.")


def detected(plan) -> str:
    """What a file was found to be, and from which tool."""
    said = f"Detected: **{plan.kind or 'unknown kind'}** · from **{tool_name(plan.format) or 'an unknown tool'}**"
    # A refused file is not read through: its "0 rows read" would say it is empty.
    return said + (f" · {plan.rows_read:,} rows read" if plan.batch is not None else "")


def upload_plan(file, index: int):
    """Options and mapping for one file, its analysis and its validation result."""
    key = f"file{index}"
    with st.container(border=True):
        st.markdown(f"#### {show.escape(file.name)}")
        cols = st.columns(3)
        kind = cols[0].selectbox("Kind", ["auto", *KINDS], key=f"{key}_kind",
                                 help="'auto' detects it from the columns.")
        wave = cols[1].selectbox("Survey wave", ["from the file", *pipeline.WAVES], key=f"{key}_wave",
                                 help="For survey exports without a wave column.")
        order = cols[2].selectbox("Dates like 03/04 are", ["detected", "day first (3 April)", "month first (March 4)"],
                                  key=f"{key}_dates")
        may_map = session.can("map_columns")
        options = pipeline.Options(kind=kind, wave=None if wave == "from the file" else wave,
                                   day_first=None if order == "detected" else order.startswith("day"),
                                   # The field below, shown for a survey without dates, is read before it is drawn.
                                   submitted_on=st.session_state.get(f"{key}_closed_on"),
                                   label_map=(label_map_from(key) if may_map else None) or None,
                                   actor=session.user().name)
        # The file as it maps itself (or as confirmed before) decides which questions to ask about.
        base = analysed(file, options)
        questions = base.open_questions()
        suggestions = base.batch.suggestions if not questions.empty else {}
        # Without the right to map, the file loads as it maps itself; choices left in the session do not count.
        mapping = {item: st.session_state.get(f"{key}_map_{item}", suggestions.get(item) or NOT_SCORED)
                   for item in questions["item_id"]} if may_map else {}
        mapping = {item: None if code == NOT_SCORED else code for item, code in mapping.items()}
        plan = analysed(file, replace(options, mapping=mapping)) if mapping else base
        needs = plan.needs_mapping
        if needs and needs.labels:
            known = st.session_state.setdefault(f"{key}_label_needs", {})
            known.update({item: labels for item, labels in needs.labels.items() if item not in known})
        st.caption(detected(plan))
        closed_on = getattr(plan.batch, "survey_closed_on", None)
        if (needs and needs.needs_date) or closed_on:
            st.date_input("Survey closed on", value=None, key=f"{key}_closed_on", min_value=EARLIEST,
                          max_value=latest_plausible(), format="YYYY-MM-DD",
                          help="This survey file has no submission dates: every response gets the day the survey "
                               "closed, and the upload history records that it was given here.")
        if closed_on:
            st.caption(f"Every response is dated {closed_on:%Y-%m-%d}, the day the survey closed (the file has "
                       "no dates).")
        if may_map:
            mapping_widgets(key, questions, suggestions)
        if needs and needs.needs_date:
            st.warning("This survey has no submission dates. Give the day it closed under 'Survey closed on' "
                       "above: every response gets that date.", icon=":material/event:")
        elif needs and needs.ambiguous_dates:
            st.warning("The dates in " + ", ".join(needs.ambiguous_dates) + " could be day/month or month/day. "
                       "Choose the order under 'Dates like 03/04 are' above.", icon=":material/event:")
        elif needs and needs.labels:
            st.warning("Some answers use labels no known scale explains: give each a score above.",
                       icon=":material/edit_note:")
        elif plan.error is not None:
            st.error(plan.error.message, icon=":material/error:")
        if plan.ok:
            validation(plan, key)
    return plan


def analysed(file, options):
    """The plan for this file and these choices, kept for the session (analysis reads the whole file). It runs
    in a process of its own, within the max_analysis_* limits, so that other users' pages keep their pace."""
    cache = st.session_state.setdefault("upload_plans", {})
    key = (file.file_id, repr(options), st.session_state.get("data_version"))
    if key not in cache:
        cache[key] = isolated.analyse(file.getvalue(), file.name, session.cursor(), options)
    return cache[key]


# Rows naming pairs not loaded yet, one and several.
WAITING = ("{n} row names a pair that is not loaded yet. It loads if this upload also holds its pairs file (pairs "
           "are loaded first); otherwise it is rejected.",
           "{n} rows name pairs that are not loaded yet. They load if this upload also holds their pairs file (pairs "
           "are loaded first); otherwise they are rejected.")


def validation(plan, key: str) -> None:
    first, last = plan.date_range
    cols = st.columns(4)
    waiting = len(plan.unresolved)
    known = plan.responses_known
    cols[0].metric("Rows to load", f"{known.new + known.changed if known else plan.rows_valid - waiting:,}",
                   help=f"And {wording.counted(waiting, 'row')} more if this upload also holds their pairs file."
                   if waiting else None)
    cols[1].metric("Rows rejected", f"{len(plan.rejected):,}")
    cols[2].metric("From", str(first or "—"))
    cols[3].metric("To", str(last or "—"))
    if known:
        responses_known(known)
    else:
        st.caption("Rows identical to ones already loaded are counted as duplicates when you load; changed rows "
                   "replace the old ones, keeping the stored values of any column this file does not have.")
    earlier = session.compute(health.same_file_uploads, plan.sha256)
    if not earlier.empty:
        first = earlier.iloc[0]
        st.info(f"This exact file was loaded before: upload #{first['upload_id']} "
                f"({show.escape(first['file_name'])}, {first['loaded_at']:%Y-%m-%d %H:%M}). Its rows still stored "
                "as it wrote them count as duplicates: loading it again changes only rows changed or removed "
                "since, back to this file's version.", icon=":material/content_copy:")
    if plan.skipped:
        st.caption(f"Skipped, as they are not responses: {plan.skipped}.")
    ignored = plan.batch.unmapped_columns if plan.kind != "survey" else []
    if ignored:
        st.caption("Columns Mentorscope does not use (they are not stored): "
                   + ", ".join(show.escape(name) for name in ignored) + ".")
    preview = plan.batch.responses.head(20) if plan.kind == "survey" else plan.batch.head(20)
    shown = f"all {plan.rows_valid:,}" if plan.rows_valid <= 20 else f"first 20 of {plan.rows_valid:,}"
    with st.expander(f"Preview ({shown} row{'s' if plan.rows_valid != 1 else ''})"):
        st.dataframe(tables.readable(preview), hide_index=True)
    if waiting:
        st.warning(WAITING[waiting != 1].format(n=f"{waiting:,}"), icon=":material/link_off:")
    if plan.rejected:
        with st.expander(f"Rejected rows and why ({len(plan.rejected):,})", expanded=True):
            rejected = plan.rejected_frame()
            rejected_summary(rejected)
            tables.table(rejected, f"rejected_{key}")


def responses_known(known) -> None:
    """A survey's valid responses against the store: what loading adds, updates and skips."""
    st.markdown(f"Responses: **{known.new:,} new**, **{known.changed:,} changed** (updated in place), "
                f"**{known.stored:,} already stored** (skipped).")
    st.caption("A response is recognised by the survey tool's response id, else by its respondent and "
               "submission time, so a re-export is the same survey even with reworded questions.")
    if not known.new and not known.changed:
        st.info("Every response in this file is stored already: loading it adds and changes none.",
                icon=":material/done_all:")


def rejected_summary(rejected: pd.DataFrame, shown: int = 8) -> None:
    """Per column, how many rows it rejects and one reason in full: a table cell cuts a long reason, and
    with it the fix it ends with."""
    groups = list(rejected.groupby(rejected["column"].fillna(""), sort=False))
    for column, rows in groups[:shown]:
        first = rows.iloc[0]
        st.markdown(f"- **{show.escape(column or 'whole row')}**: {wording.counted(len(rows), 'row')}, e.g. row "
                    f"{int(first['row_number'])}: {show.escape(first['reason'])}")
    if len(groups) > shown:
        st.caption(f"… and {len(groups) - shown} more columns: see the table.")


def load_plans(plans) -> None:
    session.require("upload")
    bar = st.progress(0.0, text="Loading…")
    results = pipeline.load_plans(session.cursor(), plans,
                                  progress=lambda done, text: bar.progress(done, text=f"{text}…"))
    bar.progress(1.0, text="Done")
    messages = [f"{show.escape(plan.file_name)}: {result.rows_loaded:,} row{'s' if result.rows_loaded != 1 else ''} "
                f"loaded, {result.rows_duplicate:,} duplicate{'s' if result.rows_duplicate != 1 else ''} skipped, "
                f"{result.rows_rejected:,} rejected"
                + (f", {plan.skipped} skipped" if plan.skipped else "")
                + (f", {len(result.stubs_created):,} people added from the pairs file" if result.stubs_created else "")
                + "." for plan, result in zip(plans, results) if result is not None]
    st.session_state["upload_batch"] += 1  # a fresh, empty file picker
    st.session_state.pop("upload_plans", None)
    session.wrote(*messages)


def upload_history() -> None:
    history = session.compute(health.upload_history)
    if history.empty:
        st.caption("Nothing uploaded yet.")
        return
    tables.table(history, "upload_history")
    names = history.set_index("upload_id")["file_name"]
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    # No upload is chosen until the user picks one: Remove never acts on the newest by default.
    choice = cols[0].selectbox("An upload", history["upload_id"], key="history_upload_id", index=None,
                               placeholder="Choose an upload", format_func=lambda i: f"#{i} {names[i]}")
    with cols[1].popover("Rejected rows", icon=":material/rule:", disabled=choice is None):
        if choice is not None:
            rejected_of(history, int(choice))
    if session.can("remove_upload"):
        if cols[2].button("Remove", icon=":material/delete:", key="remove_upload", disabled=choice is None,
                          help="Delete the rows this upload wrote (rows a later upload changed stay). "
                               "You are asked to confirm first."):
            st.session_state["remove_upload_pending"] = int(choice)
        pending = st.session_state.get("remove_upload_pending")
        if pending is not None and pending == choice:
            confirm_removal(pending, names[pending], int(history.set_index("upload_id").at[pending, "rows_loaded"]))


REJECTED_LISTED = 20


def rejected_of(history: pd.DataFrame, upload_id: int) -> None:
    rejected = session.compute(health.rejected_rows, upload_id)
    if rejected.empty:
        skipped = int(history.set_index("upload_id").at[upload_id, "rows_skipped"])
        st.caption("None: every row of this upload loaded or was a duplicate"
                   + (f", but for {skipped:,} that were not records (a survey tool's preview responses, "
                      "blank rows)." if skipped else "."))
        return
    # A list, not a table: a popover is too narrow for a table's reason column, which it would cut off.
    for row in rejected.head(REJECTED_LISTED).itertuples():
        column = f" ({row.column_name})" if isinstance(row.column_name, str) and row.column_name else ""
        st.markdown(f"- Row {row.row_number}{show.escape(column)}: {show.escape(row.reason)}")
    if len(rejected) > REJECTED_LISTED:
        st.caption(f"The first {REJECTED_LISTED} of {len(rejected):,}; the CSV has them all.")
    tables.download(rejected, f"rejected_upload_{upload_id}")


def confirm_removal(upload_id: int, file_name: str, rows_loaded: int) -> None:
    """Say what removing the upload deletes and which figures change, then ask."""
    contents = session.compute(health.upload_contents, upload_id)
    rows = ", ".join(f"{row.rows:,} {row.table}" for row in contents.itertuples())
    # An upload that found every row stored wrote none; one whose rows a later upload took over holds none.
    emptied = ("It wrote no rows (they were all stored already)" if not rows_loaded
               else "It holds no rows any more (later uploads replaced them)")
    st.warning(f"Remove upload #{upload_id} ({show.escape(file_name)})? "
               + (f"It deletes {rows}, and changes:" if rows else f"{emptied}: only its entry in the history goes.")
               + "".join(f"\n- {row.feeds}" for row in contents.itertuples()),
               icon=":material/warning:")
    if show.confirmed("remove_upload", "Yes, remove it", ":material/delete:", right="remove_upload"):
        remove_upload(session.cursor(), upload_id, actor=session.user().name)
        session.wrote(f"Removed upload #{upload_id} ({show.escape(file_name)})"
                      + (" and the rows it wrote." if rows else "."))


def data_health() -> None:
    st.caption("Rows per table, the dates they cover, and rows that point at nothing (for example meetings of "
               "a pair whose upload was removed).")
    tables.table(session.compute(health.data_health), "data_health")


st.title("Upload")
session.require_page("2_upload")
st.caption("Drop one or more exports: participants, pairs, sessions, goals, the HR employee file, or surveys "
           f"({tool_names()}). Nothing is written until you press Load; files are loaded people and pairs "
           "first, whatever their order.")

batch = st.session_state.setdefault("upload_batch", 0)
files = st.file_uploader("Exports (CSV or XLSX)", type=["csv", "xlsx", "txt", "tsv"], accept_multiple_files=True,
                         key=f"upload_files_{batch}", max_upload_size=int(session.setting("max_upload_mb")),
                         help="The size limit is the max_upload_mb setting (Settings). An XLSX workbook may also "
                              f"unpack to at most {session.setting('max_unpacked_mb'):,} MB (max_unpacked_mb) and its "
                              f"sheet hold at most {session.setting('max_workbook_cells'):,} cells "
                              "(max_workbook_cells); "
                              "a CSV has no such limits. Each file's analysis may take at most "
                              f"{session.setting('max_analysis_seconds'):,} s (max_analysis_seconds) and "
                              f"{session.setting('max_analysis_mb'):,} MB of memory (max_analysis_mb).")
# Analysing a file takes up to a second or two, and the Load button comes after the last one: say which is read.
progress = st.progress(0.0) if files else None
plans = []
for index, file in enumerate(files or []):
    progress.progress(index / len(files), text=f"Reading {show.escape(file.name)} ({index + 1} of {len(files)})…")
    plans.append(upload_plan(file, index))
if progress:
    progress.empty()
ready = [plan for plan in plans if plan.ok]
if plans:
    label = f"Load {len(ready)} file{'s' if len(ready) != 1 else ''}" if ready else "Nothing to load"
    if st.button(label, type="primary", disabled=not ready, key="load_files", icon=":material/database_upload:"):
        load_plans(ready)

st.subheader("Upload history")
upload_history()
st.subheader("Data health")
data_health()
