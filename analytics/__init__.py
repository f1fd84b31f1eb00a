"""Mentorscope's engine: ingest, store and measure mentoring-program data.

Never imports streamlit: pages, the report and the command line all call in here.
"""
