"""Settings: anonymity thresholds, the at-risk rule, the fiscal year and the meeting target; clear the demo."""
import streamlit as st

from analytics import demo, settings
from pages import _common as ui


def settings_form() -> None:
    current = settings.all_settings(ui.cursor())
    with st.form("settings"):
        values = {}
        for key, spec in settings.SETTINGS.items():
            step = 1 if spec.kind is int else 0.5
            values[key] = st.number_input(spec.help[0].upper() + spec.help[1:], value=spec.kind(current[key]),
                                          step=spec.kind(step),
                                          min_value=spec.kind(spec.low) if spec.kind is int else float(spec.low),
                                          max_value=None if spec.high is None else spec.kind(spec.high),
                                          key=f"setting_{key}", help=f"`{key}`, default {spec.default:g}")
        if st.form_submit_button("Save settings", type="primary"):
            try:
                for key, value in values.items():
                    if value != current[key]:
                        settings.set(ui.cursor(), key, value)
            except settings.SettingsError as exc:
                st.error(str(exc))
                return
            ui.wrote("Saved. Every page now uses the new settings.")


def demo_controls() -> None:
    if not demo.has_demo(ui.cursor()):
        st.caption("No demo data is loaded.")
    elif st.button("Clear demo data", type="primary", key="clear_demo", icon=":material/delete:"):
        removed = demo.clear_demo(ui.cursor())
        ui.wrote(f"Removed {removed} demo uploads. Upload your own exports on the **Upload** page.")
    else:
        st.caption("The sample programs loaded on first start. Clearing removes their rows, uploads and "
                   "improvement actions; your own uploads stay.")


st.title("Settings")
st.caption("These apply to every page, the report and the command line.")
settings_form()
st.subheader("Demo data")
demo_controls()
