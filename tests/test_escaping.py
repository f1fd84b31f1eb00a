"""User text made inert for a spreadsheet, while the figures the formatter writes read as written."""
from __future__ import annotations

import pytest

from analytics.present import escaping


@pytest.mark.parametrize("text, shown", [
    ("Leadership", "Leadership"),
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("@SUM(1)", "'@SUM(1)"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("\tTab", "'\tTab"),
    ("+ pts", "'+ pts"),
    # figures as the formatter writes them stay as they are
    ("-13", "-13"),
    ("+1", "+1"),
    ("-0.5", "-0.5"),
    ("+6.6 pts", "+6.6 pts"),
    ("+1.4 pts to +18.8 pts", "+1.4 pts to +18.8 pts"),
    ("-21 to -5", "-21 to -5"),
    ("+2.0%", "+2.0%"),
    ("-1,234", "-1,234"),
])
def test_a_cell_a_spreadsheet_could_run_gets_a_quote_and_a_figure_does_not(text, shown):
    assert escaping.spreadsheet(text) == shown
