"""Reports: the executive summary of the chosen quarter and filters, and the
quarterly report to download (the same bytes as `python -m analytics report`)."""
import json

import streamlit as st

from analytics import report
from analytics.cli.report import command_line
from analytics.measures import metrics
from pages import _session as session
from pages import _show as show

LABELS = {"pdf": "PDF, for reading", "xlsx": "XLSX, for the numbers", "html": "HTML, to share",
          "pptx": "PPTX, to present"}

st.title("Reports")
st.caption(f"The quarterly evaluation report for {show.showing()}. Change the quarter and "
           "filters in the sidebar.")

st.subheader("Executive summary")
show.insights()

st.subheader("Download the report")
fmt = st.radio("Format", report.FORMATS, format_func=LABELS.get, horizontal=True, key="report_format")
comments = session.can("view_comments")
if not comments:
    st.caption("The report leaves out the comment list: reading comments needs the lead role.")
if st.button("Build the report", type="primary", key="build_report", icon=":material/description:"):
    session.require("download_reports")
    with st.spinner(f"Building the {fmt.upper()} report… (a PDF or PPTX takes a few seconds for its charts)"):
        try:
            period, filters = session.period(), session.filters()
            st.session_state["report_file"] = (fmt, period, filters,
                                               report.build_report(session.cursor(), period, filters, fmt,
                                                                   include_comments=comments))
        except report.ReportError as exc:
            st.session_state.pop("report_file", None)
            st.error(str(exc), icon=":material/error:")
built = st.session_state.get("report_file")
if built and built[:3] == (fmt, session.period(), session.filters()):
    name = report.file_name(session.period(), session.filters(), fmt)
    st.download_button(f"Download {name}", built[3], file_name=name, mime=report.MEDIA_TYPES[fmt],
                       key="download_report", icon=":material/download:", type="primary", on_click="ignore")
# On demand, like the JSON below: a code block loads 1.5 MB of highlighting script and a font into a new
# session's browser, and the page's first screen waited for both.
if st.toggle("The same report from the command line", key="show_command_line"):
    # A code block, not Markdown: program and cohort names are shown exactly as the shell needs them.
    st.code(command_line(session.period(), session.filters(), fmt), language="bash")

# Computed only when asked for: every figure of the quarter takes about a second on a large organisation, and
# a collapsed expander would still compute and send them with the page's first screen.
if st.toggle("Every figure as JSON (the contract of metrics --json)", key="show_metrics_json"):
    figures = session.standard(metrics.metrics_json)
    st.caption("Rates are shares from 0 to 1; null means no data or a group below the minimum size.")
    st.download_button("Download metrics (JSON)", json.dumps(figures, indent=2, default=str),
                       file_name=f"mentorscope-{session.period().label}.json", mime="application/json",
                       key="download_metrics_json", icon=":material/download:", on_click="ignore")
    st.json(figures, expanded=1)
