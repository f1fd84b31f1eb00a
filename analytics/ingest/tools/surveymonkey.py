"""SurveyMonkey CSV: two header rows, a question's text above its first column only, and a sub-header
(`Response`, `Open-Ended Response`, a choice or a row label) under each column."""
from __future__ import annotations

from analytics.ingest.columns import normalise_name
from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import DROP, Column, clean_text, meta_field, plain_column
from analytics.ingest.tools.base import SurveyTool


def _recognises(head: RawTable) -> bool:
    rows = head.rows
    header = [normalise_name(c) for c in rows[0]] if rows else []
    second = rows[1] if len(rows) > 1 else []
    # Older exports have no Collector ID: their row 2 tells them.
    return "respondentid" in header and ("collectorid" in header
                                         or bool({"Response", "Open-Ended Response"} & set(second)))


def _columns(head: RawTable) -> list[Column]:
    found, parent, parent_index = [], "", -1
    for i, (top, sub) in enumerate(zip(head.rows[0], head.rows[1])):
        if top:
            parent, parent_index = clean_text(top), i
        sub = clean_text(sub)
        field_name = meta_field(top)
        if top and (field_name or normalise_name(top) in DROP):
            found.append(Column(i, top, clean_text(top), field_name, drop=field_name is None))
            continue
        own_text = sub in ("", "Response") or (sub == "Open-Ended Response" and i == parent_index)
        found.append(plain_column(i, parent if own_text else f"{parent} — {sub}"))
    return found


SURVEYMONKEY = SurveyTool(order=40, id="surveymonkey", name="SurveyMonkey", recognises=_recognises, columns=_columns,
                          header_rows=2)
