"""Reports: the executive summary of the chosen quarter and filters, and its data to download."""
import json

import streamlit as st

from pages import _common as ui

st.title("Reports")
st.caption(f"Executive summary for {ui.filters().sentence(ui.period())}. Change the quarter and filters in the "
           "sidebar.")

st.subheader("Executive summary")
ui.insights()

figures = ui.standard("metrics.metrics_json")
if figures is not None:
    st.subheader("Every figure")
    st.caption("Rates are shares from 0 to 1; null means no data or a group below the minimum size.")
    st.download_button("Download metrics (JSON)", json.dumps(figures, indent=2, default=str),
                       file_name=f"mentorscope-{ui.period().label}.json", mime="application/json",
                       key="download_metrics_json", icon=":material/download:")
    st.json(figures, expanded=1)
st.info("The quarterly report as PDF, XLSX and HTML will be downloadable here once the report module lands.",
        icon=":material/description:")
