"""User text (program, cohort, department and category names, file names, improvement titles, comments) made
inert for each place that would otherwise read it as markup: Markdown (links, maths, emphasis), plotly's
subset of HTML and its LaTeX, and a spreadsheet's formulas."""
from __future__ import annotations

import html
import re

MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"
# Cells a spreadsheet would run as a formula (CSV injection, OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Markdown links a bare address whatever its escapes ('https://…', 'www.…', 'name@host'): an invisible word
# joiner after the marker keeps it plain text that reads the same.
AUTOLINK = re.compile(r"(://|www\.|@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def markdown(text: object) -> str:
    """`text` for st.markdown, st.caption and the like: every Markdown character backslash-escaped, so that
    '[x](url)' is no link, '$x$' no maths and ':smile:' no emoji; and no bare address becomes a link."""
    joined = AUTOLINK.sub(lambda m: m.group(1)[0] + WORD_JOINER + m.group(1)[1:], str(text))
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in joined)


def plotly(text: object) -> str:
    """`text` for a plotly label, hover or legend: plotly draws a subset of HTML (<a href>, <b>) and LaTeX
    between $ signs; as entities, '<', '>', '&' and '$' read as themselves."""
    return html.escape(str(text), quote=False).replace("$", "&#36;")


# A figure as the formatter writes it, alone or as an interval ('-13', '+6.6 pts', '+1.4 pts to +18.8 pts',
# '+2.0%'): digits, signs and units only, nothing a spreadsheet could call, so it is shown as written.
FIGURE = re.compile(r"[+\-−]?[\d,.]+(?: pts|%)?(?: to [+\-−]?[\d,.]+(?: pts|%)?)?")


def spreadsheet(text: str) -> str:
    """`text` a spreadsheet cannot run: a leading = + - @ tab or CR gets a ' (a figure such as '-2' or
    '+6.6 pts' stays as it is: no spreadsheet runs it)."""
    if not text.startswith(FORMULA_START) or FIGURE.fullmatch(text):
        return text
    return "'" + text
