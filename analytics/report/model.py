"""The quarterly report as data: every figure, table and chart of the report,
built by calling the same analytics functions as the dashboard and
`metrics --json`. The renderers (html, pdf, xlsx) only lay this out.

Cells hold raw values (numbers unrounded, rates as 0..1) so that the XLSX can
keep them as numbers; `display()` formats them for the HTML and PDF. A figure
hidden by the minimum group size is replaced by its label ("n < K", K the
minimum group size) here, so no renderer ever sees a suppressed value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from analytics.measures import effects, engagement, feedback, impact, outcomes, retention, satisfaction, stats
from analytics.measures.filters import Filters, Period, over_periods, validate_filters
from analytics.measures.metrics import REGISTRY
from analytics.present import charts, formatting, headlines, impact_reading, insights
from analytics.present.headlines import ALPHA, NOT_TESTED, PREVIOUS_QUARTER
from analytics.store import memo, settings

TREND_QUARTERS = 4
MAX_FINDINGS = 7
READING_COMMENTS = 40
# The registry's unit codes as a reader says them.
UNITS = {"count": "count", "rate": "percent", "score": "mean score on the survey scale", "nps": "NPS, −100 to 100",
         "per_month": "per month", "hours": "hours", "days": "days", "difference": "difference in mean score"}
SAME_PEOPLE = f"{NOT_TESTED}: 12-month windows a quarter apart hold largely the same people"


class ReportError(ValueError):
    """The report cannot be made for this request; the message says why."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text | count | rate | rate_change | score | score_change | nps | nps_change | p | number | number_change
    # | date | flag
    kind: str = "text"
    flag: str = "suppressed"  # the row's column saying whether this column's figure is hidden


@dataclass(frozen=True)
class Cell:
    """A number whose display kind is its own, not its column's (a table of rows in mixed units)."""
    value: float
    kind: str


@dataclass
class Table:
    key: str
    title: str
    sheet: str  # XLSX sheet name (≤ 31 characters)
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    reading_rows: int | None = None  # rows the PDF and HTML list (the XLSX has them all)
    reading_note: str = ""  # what the PDF and HTML say of the rows they leave out


@dataclass
class Chart:
    key: str
    figure: go.Figure


@dataclass
class Section:
    key: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Headline:
    key: str
    label: str
    kind: str
    value: Any            # number, None (no data) or the suppression label
    previous: Any
    change: Any
    p_value: float | None
    test: str             # the test behind p_value, or why none was run
    n: str                # the n behind the figure, as a reader sees it
    note: str = ""

    @property
    def change_kind(self) -> str:
        return f"{self.kind}_change"

    @property
    def significant(self) -> bool | None:
        return None if not _is_number(self.p_value) else self.p_value < ALPHA

    @property
    def significance(self) -> str:
        if self.significant is None:
            return NOT_TESTED if self.test.startswith(NOT_TESTED) else "–"
        return _significance(self.p_value)

    @property
    def reason(self) -> str:
        """The test used, or why none was run."""
        return self.test.removeprefix(NOT_TESTED).removeprefix(": ")


@dataclass
class Report:
    title: str
    programs: list[str]
    period: Period
    filters: Filters
    scope: str            # what the report covers, e.g. "Legal department · all programs · all cohorts"
    generated_on: date
    min_group_size: int
    min_comment_group_size: int
    suppressed_label: str
    headlines: list[Headline]
    findings: list[str]
    sections: list[Section]
    methodology: Table
    method_notes: list[tuple[str, str]]
    data_sources: Table

    @property
    def header(self) -> str:
        """The running header of the PDF: program(s) and quarter."""
        return f"{', '.join(self.programs) or 'All programs'} · {self.period.sentence()}"

    def tables(self) -> list[Table]:
        """Every table of the report, in reading order (the XLSX sheets after the summary)."""
        return [t for s in self.sections for t in s.tables] + [self.methodology, self.data_sources]

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def _significance(p_value: float) -> str:
    word = "significant" if p_value < ALPHA else "not significant"
    p = display(p_value, "p")
    return f"{word} (p {p})" if p.startswith("<") else f"{word} (p = {p})"


def display(value: Any, kind: str) -> str:
    """A cell as the HTML and PDF show it (analytics.present.formatting's rule for its kind, a '<unit>_change' as a
    change); '–' for no data, labels pass through."""
    if isinstance(value, str):
        return value
    if isinstance(value, Cell):
        return display(value.value, value.kind)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return formatting.cell(value if _is_number(value) else None, kind)


def _value(frame: pd.DataFrame, column: str, **where: Any) -> Any:
    """One cell as a Python value (None for NaN or a missing row)."""
    for key, wanted in where.items():
        frame = frame[frame[key] == wanted]
    if frame.empty or column not in frame.columns:
        return None
    return _plain(frame[column].iloc[0])


def _plain(value: Any) -> Any:
    """A frame cell as a Python value: None for NaN/NA, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


class _Builder:
    """Collects the report for one database, period and filters."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                 include_comments: bool = True):
        self.con, self.period, self.filters = con, period, filters
        self.include_comments = include_comments
        self.previous = period.previous()
        self.min_size = int(settings.get(con, "min_group_size"))
        self.hidden = charts.hidden_text(self.min_size)

    # -- tables -------------------------------------------------------------------

    def table(self, key: str, title: str, sheet: str, frame: pd.DataFrame, columns: list[Column],
              note: str = "") -> Table:
        """Rows of `frame` in `columns`; in a suppressed row every missing statistic reads 'n < K', or the
        flag's own text when it is one (`shield_flags`)."""
        rows = []
        for record in frame.to_dict("records"):
            row = []
            for column in columns:
                value = _plain(record.get(column.key))
                flag = _plain(record.get(column.flag))
                if value is None and flag and column.kind != "text":
                    value = flag if isinstance(flag, str) else self.hidden
                row.append(value)
            rows.append(row)
        if any(charts.SHIELDED_TEXT in row for row in rows):
            note = " ".join(filter(None, [note, f"'{charts.SHIELDED_TEXT.capitalize()}': a group large enough to "
                                                f"show, hidden because the total less the other groups would give "
                                                f"away the figure of a group under {self.min_size} people."]))
        return Table(key, title, sheet, columns, rows, note)

    def chart(self, key: str, builder, *args, **kwargs) -> Chart:
        """A chart drawn with this report's minimum group size."""
        return Chart(key, builder(*args, min_size=self.min_size, **kwargs))

    def hide(self, value: Any, suppressed: bool) -> Any:
        return self.hidden if suppressed else value

    # -- headline figures -------------------------------------------------------------

    def headlines(self, data: dict[str, Any]) -> list[Headline]:
        out = []
        for row in data["headlines"].to_dict("records"):
            row = {key: _plain(value) for key, value in row.items()}
            hidden, change_hidden = bool(row["suppressed"]), bool(row["change_suppressed"])
            note, p_value, test = "", row["p_value"], row["test"]
            if row["key"] == "overall_satisfaction":
                note = f"on a 1–{int(row['scale_points'] or 5)} scale"
            if row["p_compares"] != PREVIOUS_QUARTER:
                # The row's significance belongs to its change on the previous quarter; the test of the
                # quarter against another group moves into the note, which names that comparison.
                p_value, test = None, SAME_PEOPLE
                if not hidden and row["other"] is not None:
                    note = (f"vs {row['p_compares']} ({display(row['other'], 'rate')}): difference "
                            f"{display(row['difference'], 'rate_change')} (95% CI "
                            f"{display(row['ci_low'], 'rate_change')} to {display(row['ci_high'], 'rate_change')}), "
                            f"{_significance(row['p_value'])}; {row['test']}")
                    if stats.interval_and_test_disagree(row["ci_low"], row["ci_high"], row["p_value"]):
                        note += f"; {stats.DISAGREE_NOTE}"
                    if row.get("adjusted"):  # a raw gap is never read without its like-for-like reading
                        note += f"; {row['adjusted']}"
            if not hidden and row["value"] is not None and formatting.small(row["n"]):
                note = "; ".join(filter(None, [note, f"{formatting.SMALL_N_MARK} small n: {row['n_text']}, so one "
                                                     "more can move it a lot"]))
            value = charts.SHIELDED_TEXT if hidden and row["shielded"] else self.hide(row["value"], hidden)
            out.append(Headline(row["key"], row["label"], row["kind"], value,
                                self.hide(row["previous"], bool(row["previous_suppressed"])),
                                self.hide(row["change"], change_hidden),
                                p_value, test, row["n_text"], note))
        return out

    # -- sections ------------------------------------------------------------------------

    def satisfaction(self, data: dict[str, Any]) -> Section:
        change = data["change"].rename(columns={"suppressed": "change_suppressed"})
        change["significant"] = change["p_value"].map(lambda p: None if pd.isna(p) else bool(p < ALPHA))
        dims = data["dimensions"].merge(
            change[["dimension", "previous", "change", "p_value", "significant", "change_suppressed",
                    "previous_suppressed"]],
            on="dimension", how="left")
        dims["dimension"] = dims["dimension"].map(charts.label)
        nps = data["nps"]
        section = Section("satisfaction", "Satisfaction and NPS",
                          f"{int(data['responses']):,} survey responses in the quarter (baseline surveys excluded).")
        section.charts = [self.chart("nps_trend", charts.nps_trend, data["nps_trend"]),
                          self.chart("nps_split", charts.nps_split, nps, None),
                          self.chart("dimension_means", charts.mean_ci_dots, data["dimensions"], None),
                          self.chart("likert", charts.likert_diverging, data["likert"])]
        section.tables = [
            self.table("nps", "Net Promoter Score", "NPS", nps, [
                Column("n", "Answers", "count"), Column("value", "NPS", "nps"),
                Column("ci_low", "95% CI low", "nps"), Column("ci_high", "95% CI high", "nps"),
                Column("promoters", "Promoters (9–10)", "count"), Column("passives", "Passives (7–8)", "count"),
                Column("detractors", "Detractors (0–6)", "count")]),
            self.table("dimensions", "Scores by dimension", "Satisfaction", dims, [
                Column("dimension", "Dimension"), Column("n", "Responses", "count"), Column("mean", "Mean", "score"),
                Column("ci_low", "95% CI low", "score"), Column("ci_high", "95% CI high", "score"),
                Column("top2box", "Top-2-box", "rate"),
                Column("previous", "Previous quarter", "score", "previous_suppressed"),
                Column("change", "Change", "score_change", "change_suppressed"),
                Column("p_value", "p (Mann–Whitney U)", "p", "change_suppressed"),
                Column("significant", "Significant", "flag", "change_suppressed")]),
        ]
        return section

    def segments(self, data: dict[str, Any]) -> Section:
        by = data["segment_by"]
        frame = data["segments"]
        section = Section("segments", f"Metrics by {by}",
                          f"The quarter's headline figures for each {by}.")
        section.tables = [self.table("segments", f"Metric by segment ({by})", "Metric by segment", frame, [
            Column(by, by.capitalize()), Column("open_pairs", "Open pairs", "count"),
            Column("active_pair_rate", "Active pair rate", "rate"),
            Column("sessions_per_active_pair_per_month", "Sessions / active pair / month", "number"),
            Column("at_risk_pairs", "At-risk pairs", "count"),
            Column("nps_n", "NPS answers", "count"), Column("nps", "NPS", "nps", "nps_suppressed"),
            Column("overall_n", "Overall satisfaction n", "count"),
            Column("overall_mean", "Overall satisfaction", "score", "overall_suppressed"),
            Column("goals_due", "Goals due", "count"), Column("goal_attainment_rate", "Goal attainment", "rate")])]
        section.tables.append(self.table("trends", f"Trends over {TREND_QUARTERS} quarters", "Trends", data["trends"], [
            Column("period", "Quarter"), Column("nps_n", "NPS answers", "count"),
            Column("nps", "NPS", "nps", "nps_suppressed"), Column("overall_n", "Overall satisfaction n", "count"),
            Column("overall_mean", "Overall satisfaction", "score", "overall_suppressed"),
            Column("open_pairs", "Open pairs", "count"), Column("active_pair_rate", "Active pair rate", "rate"),
            Column("sessions_per_active_pair_per_month", "Sessions / active pair / month", "number"),
            Column("goals_due", "Goals due", "count"), Column("goal_attainment_rate", "Goal attainment", "rate")]))
        return section

    def engagement(self, data: dict[str, Any]) -> Section:
        eng, prev = data["engagement"], data["engagement_previous"]
        names = [c for c in eng.columns if c != "n"]
        kinds = {"count": "count", "rate": "rate"}
        rows = pd.DataFrame([{"metric": REGISTRY[name].label, "value": _value(eng, name),
                              "previous": _value(prev, name), "kind": kinds.get(REGISTRY[name].unit, "number")}
                             for name in names])
        section = Section("engagement", "Engagement",
                          f"{int(_value(eng, 'open_pairs') or 0):,} pairs were open in the quarter; "
                          f"{int(_value(eng, 'active_pairs') or 0):,} of them met at least once.")
        section.charts = [
            self.chart("active_trend", charts.trend, data["engagement_trend"], {"active_pair_rate": "Active pair rate"},
                       "Active pair rate by quarter", "Active pairs (%)", percent=True),
            self.chart("cohort_heatmap", charts.heatmap, data["cohort_months"])]
        section.tables = [
            _mixed_table("engagement", "Engagement this quarter and last", "Engagement", rows),
            self.table("at_risk", "At-risk pairs by cohort", "At-risk counts", data["at_risk"], [
                Column("cohort", "Cohort"), Column("open_pairs", "Open pairs", "count"),
                Column("active_pairs", "Active pairs", "count"), Column("at_risk_pairs", "At-risk pairs", "count")],
                note=f"At risk: open, matched at least {settings.get(self.con, 'at_risk_days')} days before the "
                     "quarter end, and no held session in that many days up to it.")]
        return section

    def retention(self, data: dict[str, Any]) -> Section:
        section = Section("retention", "Retention",
                          "How long pairs stay together, and whether participants stay with the organisation.")
        section.charts = [self.chart("km", charts.km_curves, data["km"])]
        section.tables = [
            self.table("survival", "Pair survival (Kaplan–Meier)", "Pair survival", data["survival"], [
                Column("months", "Months since matched", "count"), Column("survival", "Still together", "rate"),
                Column("ci_low", "95% CI low", "rate"), Column("ci_high", "95% CI high", "rate"),
                Column("at_risk", "Pairs still followed", "count")],
                note="Pairs still followed: matched that long ago and neither ended nor past the quarter's end "
                     "(the survival curve's 'number at risk'), not the Engagement page's at-risk pairs."),
            self.table("early_exits", "Why pairs ended early this quarter", "Early exits",
                       data["exit_reasons"].assign(end_reason=data["exit_reasons"]["end_reason"].map(charts.label)), [
                Column("end_reason", "End reason"), Column("n", "Pairs", "count"), Column("share", "Share", "rate")],
                note=f"Early exit rate: {display(_value(data['early_exit'], 'early_exit_rate'), 'rate')} of "
                     f"{int(_value(data['early_exit'], 'n') or 0):,} pairs that ended in the quarter.")]
        employees = data["employees"]
        if employees is not None:
            frame = employees.assign(measure=employees["measure"].map(
                {"retention_12m": "Retention, 12 months", "promotion_rate_12m": "Promotion, 12 months"}))
            groups = pd.DataFrame([{"group": "Participants", "rate": _value(employees, "participants",
                                                                           measure="retention_12m"),
                                    "n": _value(employees, "n_participants", measure="retention_12m")},
                                   {"group": "Non-participants", "rate": _value(employees, "non_participants",
                                                                               measure="retention_12m"),
                                    "n": _value(employees, "n_non_participants", measure="retention_12m")}])
            section.charts.append(self.chart("employee_retention", charts.group_bars, groups, "group", "rate",
                                             "Employees still employed after 12 months", "Retained (%)"))
            section.tables.append(self.table("employees", "Participants vs non-participants", "Employee outcomes",
                                             frame, [
                Column("measure", "Measure"), Column("participants", "Participants", "rate"),
                Column("non_participants", "Non-participants", "rate"),
                Column("difference", "Difference", "rate_change"), Column("ci_low", "95% CI low", "rate_change"),
                Column("ci_high", "95% CI high", "rate_change"), Column("p_value", "p", "p"),
                Column("n_participants", "Participants (n)", "count"),
                Column("n_non_participants", "Non-participants (n)", "count")]))
        return section

    def impact(self, data: dict[str, Any]) -> Section:
        """Participants against comparable colleagues: the verdicts, raw against adjusted, balance, the
        sensitivity to unmeasured factors and dose-response (impact_reading says them in words)."""
        block = data["impact"]
        smallest_effect = settings.get(self.con, "smallest_effect_of_interest")
        section = Section("impact", "Impact: participants against comparable colleagues", "")
        if block is None or not block["n_participants"]:
            section.intro = impact_reading.verdict(
                "retention_12m", None if block is None else block["retention_12m"], smallest_effect, self.min_size,
                unavailable=data["impact_unavailable"],
                first_comparison_on=None if block is None else block.get("first_comparison_on"))
            return section
        section.intro = "\n".join(  # a paragraph per outcome
            f"{name}. {impact_reading.verdict(outcome, block[outcome], smallest_effect, self.min_size)}"
            for outcome, (name, _, _) in impact_reading.OUTCOMES.items())
        compared = impact_reading.raw_and_adjusted(data["employees"], block)
        balance = impact_reading.balance(block)
        dose = impact_reading.dose_response(block)
        section.charts = [self.chart("impact_raw_vs_adjusted", charts.raw_vs_adjusted, compared),
                          self.chart("impact_balance", charts.balance_dots, balance),
                          self.chart("impact_dose_response", charts.dose_response, dose)]
        sensitivity = [impact_reading.sensitivity(outcome, block[outcome]) for outcome in impact_reading.OUTCOMES]
        readings = compared.assign(reading=compared["reading"].map(
            lambda r: None if r is None or r != r else charts.label(r)))
        wide = balance.pivot_table(index=["covariate", "level"], columns="group", values="share", sort=False) \
            .reset_index()
        tested = "; ".join(f"{impact_reading.OUTCOMES[outcome][0].lower()} {formatting.p_text(p)}"
                           for outcome, p in block["dose_response_p_values"].items() if _is_number(p))
        section.tables = [
            self.table("impact", "Raw and adjusted differences", "Impact", readings, [
                Column("outcome", "Outcome"), Column("comparison", "Compared with"),
                Column("participants", "Participants", "rate"), Column("others", "Others", "rate"),
                Column("difference", "Difference", "rate_change"), Column("ci_low", "95% CI low", "rate_change"),
                Column("ci_high", "95% CI high", "rate_change"), Column("reading", "Reading"),
                Column("n_participants", "Participants (n)", "count"), Column("n_others", "Others (n)", "count")],
                note=" ".join(filter(None, [*sensitivity, impact_reading.left_out(block)]))),
            self.table("impact_balance", "Who is compared: shares of each group", "Impact balance", wide, [
                Column("covariate", "Characteristic"), Column("level", "Value"),
                Column("participants", "Participants", "rate"),
                Column("all non-participants", "All non-participants", "rate"),
                Column("comparable colleagues (weighted)", "Comparable colleagues (weighted)", "rate")],
                note=impact_reading.tenure_balance(block["tenure_smd"]) or ""),
            self.table("impact_dose", "Retention and promotion by meetings held in the year before",
                       "Impact dose-response", dose, [
                Column("band", "Meetings held"), Column("n", "Participants", "count"),
                Column("retention_12m", "Stayed 12 months", "rate"), Column("retention_ci_low", "95% CI low", "rate"),
                Column("retention_ci_high", "95% CI high", "rate"),
                Column("promotion_rate_12m", "Promoted in 12 months", "rate"),
                Column("promotion_ci_low", "95% CI low", "rate"), Column("promotion_ci_high", "95% CI high", "rate")],
                note="An association, not an effect: those who meet more may differ in other ways."
                     + (f" Across the bands (chi-square): {tested}." if tested else ""))]
        return section

    def outcomes(self, data: dict[str, Any]) -> Section:
        pre_post = data["pre_post"].assign(dimension=data["pre_post"]["dimension"].map(charts.label))
        section = Section("outcomes", "Outcomes",
                          "Change from the baseline survey to the exit survey, and goals reached.")
        section.charts = [self.chart("pre_post", charts.dumbbell, data["pre_post"]),
                          self.chart("goals", charts.group_bars, data["goal_categories"], "category",
                                     "goal_attainment_rate", "Goals achieved by category", "Achieved (%)",
                                     horizontal=True)]
        section.tables = [
            self.table("pre_post", "Baseline to exit", "Pre-post", pre_post, [
                Column("dimension", "Dimension"), Column("n_pairs", "Matched respondents", "count"),
                Column("n_excluded", "Excluded (one wave only)", "count"),
                Column("mean_baseline", "Baseline", "score"), Column("mean_exit", "Exit", "score"),
                Column("mean_change", "Change", "score_change"), Column("t_p_value", "p (paired t)", "p"),
                Column("wilcoxon_p_value", "p (Wilcoxon)", "p"),
                Column("cohens_dz", "Effect size (Cohen's d, paired)", "effect")]),
            self.table("goals", "Goals due this quarter by category", "Goals", data["goal_categories"], [
                Column("category", "Category"), Column("n", "Goals due", "count"),
                Column("achieved", "Achieved", "count"), Column("goal_attainment_rate", "Attainment", "rate")]),
        ]
        return section

    def feedback(self, data: dict[str, Any]) -> Section:
        count = data["comment_count"]
        n, respondents, threshold = (int(_value(count, column) or 0) for column in ("n", "respondents", "threshold"))
        section = Section("feedback", "Feedback themes",
                          f"{n:,} free-text comments in the quarter, grouped into themes. Emails and phone numbers "
                          "are masked.")
        section.charts = [self.chart("themes", charts.group_bars, data["themes"], "label", "share",
                                     "Themes mentioned in comments", "Comments mentioning (%)", horizontal=True,
                                     n_shared=True)]
        sentiment = data["sentiment"]
        positive, negative = (display(self.hide(_value(sentiment, column), bool(_value(sentiment, "suppressed"))),
                                      "rate") for column in ("positive_share", "negative_share"))
        section.tables = [
            self.table("themes", "Themes in comments", "Feedback themes", data["themes"], [
                Column("label", "Theme"), Column("kind", "Kind"), Column("mentions", "Comments mentioning", "count"),
                Column("share", "Share of comments", "rate")],
                note=f"Sentiment: {positive} of comments positive, {negative} negative, as scored by VADER, a "
                     "word-list sentiment scorer for short English texts."),
        ]
        if self.include_comments:
            comments = self.table(
                "comments", "Comments (masked)", "Comments", data["comments"], [
                    Column("month", "Month"), Column("comment", "Comment"), Column("themes", "Themes")],
                note="" if not _value(count, "suppressed") else
                f"There were {feedback.comments_from(n, respondents)}, but {feedback.SHIELDED_LIST}."
                if _value(count, stats.SHIELDS) else
                f"Comments are listed only when at least {threshold:,} different respondents commented; "
                f"there were {feedback.comments_from(n, respondents)}.")
            if len(comments.rows) > READING_COMMENTS:
                # A reader wants a sample, not every comment of a large program; the XLSX keeps them all.
                comments.reading_rows = READING_COMMENTS
                comments.reading_note = (f"The first {READING_COMMENTS} of {len(comments.rows):,} comments, newest "
                                         "month first; the XLSX report lists them all.")
            section.tables.append(comments)
        else:
            section.intro += " The comments themselves are left out of this copy of the report."
        return section

    def improvements(self) -> Section:
        measured, compared = [], []
        for effect in effects.action_effects(self.con, self.period, self.filters).to_dict("records"):
            effect = {key: _plain(value) for key, value in effect.items()}
            kind = effect["unit"] if effect["unit"] in ("rate", "nps", "score") else "number"

            def cells(*keys: str, kind: str = kind) -> list[Any]:
                return [None if effect[key] is None else Cell(effect[key], kind) for key in keys]
            measured.append([effect["title"], effect["scope"], effect["started_on"], effect["metric_label"],
                             *cells("before", "after"), effect["n_before"], effect["n_after"],
                             *cells("change", "change_low", "change_high", kind=f"{kind}_change")])
            compared.append([effect["title"], effect["owner"], effect["compared_with"],
                             *cells("comparison_change", "did", "did_low", "did_high", kind=f"{kind}_change"),
                             effect["note"] or effect["method"]])
        # Two tables of few columns each: one of eighteen would run off a PDF page.
        change = [Column("change", "Change", "number_change"),
                  Column("change_low", "95% CI from", "number_change"), Column("change_high", "to", "number_change")]
        section = Section("improvements", "Improvement actions",
                          "What the program changed, and the metric it was meant to move: the mean of the two "
                          "quarters before the action's quarter against the two after it (blank until both have "
                          "ended), with the change's 95% interval where the metric is a mean or a share. n counts "
                          "answers, pairs, goals or people in each quarter, summed. An action of one program or "
                          "cohort is also compared with the programs or cohorts it left out: the difference in "
                          "differences is its change less theirs; otherwise the comparison is before/after only.")
        section.tables = [
            Table("improvements", "Improvement actions and their measured effect", "Improvements", [
                Column("title", "Action"), Column("scope", "For"), Column("started_on", "Started", "date"),
                Column("metric", "Metric"), Column("before", "Two quarters before", "number"),
                Column("after", "Two quarters after", "number"), Column("n_before", "n before", "count"),
                Column("n_after", "n after", "count"), *change], measured),
            Table("improvement_comparisons", "Against the programs or cohorts each action left out",
                  "Improvement comparisons", [
                      Column("title", "Action"), Column("owner", "Owner"), Column("compared_with", "Compared with"),
                      Column("comparison_change", "Their change", "number_change"),
                      Column("did", "Difference in differences", "number_change"),
                      Column("did_low", "95% CI from", "number_change"), Column("did_high", "to", "number_change"),
                      Column("method", "Method, or why no change")], compared)]
        return section

    # -- appendix ---------------------------------------------------------------------------

    def methodology(self, data: dict[str, Any]) -> Table:
        """Each registry metric's definition with the n behind this report's figure."""
        sizes = self.metric_sizes(data)
        rows = pd.DataFrame([{"metric": m.label, "definition": m.definition, "unit": UNITS.get(m.unit, m.unit),
                              "n": sizes.get(m.name, "")} for m in REGISTRY.values()])
        return self.table("methodology", "Metric definitions and the n behind each figure", "Definitions", rows, [
            Column("metric", "Metric"), Column("definition", "Definition"), Column("unit", "Unit"),
            Column("n", "n")])

    def metric_sizes(self, data: dict[str, Any]) -> dict[str, str]:
        """The group size behind each registry metric in this report."""
        eng, dims, pre = data["engagement"], data["dimensions"], data["pre_post"]
        pairs = f"{int(_value(eng, 'open_pairs') or 0):,} open pairs"
        active = f"{int(_value(eng, 'active_pairs') or 0):,} active pairs"
        sizes = {"responses": f"{int(data['responses']):,} responses",
                 "nps": f"{int(_value(data['nps'], 'n') or 0):,} answers",
                 "early_exit_rate": f"{int(_value(data['early_exit'], 'n') or 0):,} ended pairs",
                 "goal_attainment_rate": f"{int(_value(data['goals'], 'n') or 0):,} goals due"}
        sizes.update({name: pairs for name, m in REGISTRY.items() if m.section == "engagement"})
        # Engagement figures over another group than the open pairs, counted as the Engagement page's tiles count
        # them (engagement.bases); cadence's group is named in words.
        count = {column: f"{int(_value(data['engagement_bases'], column) or 0):,}"
                 for column in ("pairs_matched_met", "pairs_matched", "dated_sessions")}
        sizes.update({"sessions_per_active_pair_per_month": active, "median_hours_per_active_pair": active,
                      "median_days_to_first_meeting": f"{count['pairs_matched_met']} pairs matched in the period "
                                                      "that have met",
                      "pairs_never_met": f"{count['pairs_matched']} pairs matched in the period",
                      "cancellation_rate": f"{count['dated_sessions']} sessions dated in the period",
                      "cadence_adherence": f"open pairs matched at least {engagement.CADENCE_MIN_DAYS} days "
                                           "before the period end"})
        # A dimension no respondent answered at both baseline and exit has no row in pre_post.
        sizes.update({name: "0 matched respondents" for name, m in REGISTRY.items() if m.unit == "difference"})
        for months in retention.SURVIVAL_MONTHS:
            sizes[f"pair_survival_{months}m"] = (f"{int(_value(data['survival'], 'n', months=months) or 0):,} pairs, "
                                                 f"{int(_value(data['survival'], 'at_risk', months=months) or 0):,} "
                                                 "still followed")
        for dimension, n in zip(dims["dimension"], dims["n"]):
            sizes[f"{dimension}_mean"] = sizes[f"{dimension}_top2box"] = f"{int(n):,} responses"
        for dimension, n in zip(pre["dimension"], pre["n_pairs"]):
            sizes[f"{dimension}_change"] = f"{int(n):,} matched respondents"
        if data["employees"] is not None:
            names = {"retention_12m": "employee_retention_12m", "promotion_rate_12m": "promotion_rate_12m"}
            for measure, n1, n2 in data["employees"][["measure", "n_participants", "n_non_participants"]].itertuples(
                    index=False):
                sizes[names[measure]] = f"{int(n1):,} participants, {int(n2):,} non-participants"
        return sizes

    def method_notes(self, impact_block: dict | None) -> list[tuple[str, str]]:
        comment_size = settings.get(self.con, "min_comment_group_size")
        return [
            ("Minimum group size", f"Figures computed from survey answers or the employee file are hidden when their "
                                   f"group has fewer than {self.min_size} people and read \"{self.hidden}\"; the "
                                   f"group's count stays visible. Comments need at least {comment_size} respondents."),
            ("Tests", "Quarter-on-quarter change: Mann–Whitney U for survey scores, a z-test for NPS, chi-square "
                      "(Fisher's exact test when an expected count is below 5) for goal attainment and for "
                      "participants vs non-participants. Baseline to exit: paired t-test and Wilcoxon signed-rank "
                      "test with Cohen's d_z. Pair survival: Kaplan–Meier with Greenwood 95% intervals (log-log). "
                      "Active pair rate and pair retention are not tested between quarters: the same pairs are "
                      "counted in both, so the samples are not independent."),
            ("Significant", f"A change is called significant when its two-sided p-value is below {ALPHA:g}: a "
                            "difference that large would arise by chance less than 1 time in 20 if nothing had "
                            "changed. It says nothing about whether the change is large enough to matter."),
            ("Period", f"{self.period.sentence()}: {self.period.start.isoformat()} to {self.period.end.isoformat()}, "
                       f"compared with {self.previous.sentence()} ({self.previous.start.isoformat()} to "
                       f"{self.previous.end.isoformat()})."),
            *self.impact_notes(impact_block),
        ]

    def impact_notes(self, block: dict | None) -> list[tuple[str, str]]:
        """How the Impact section compares like with like, in plain words, with who it leaves out."""
        smallest_effect = settings.get(self.con, "smallest_effect_of_interest")
        left_out = f" {impact_reading.left_out(block)}" if block and block["n_participants"] else ""
        return [
            ("Impact: who is compared", "Groups are fixed on one starting date, 12 months before the quarter's end, "
             "among those employed then: participants were in a pair matched before it and open at some time in "
             "the year before it; non-participants were never in a pair. What happens to both groups in the next "
             "12 months is then compared, so that nobody counts as a participant because they stayed long enough "
             f"to join.{left_out}"),
            ("Impact: like with like", "People who join mentoring differ from those who do not (more senior, longer "
             "serving). Each participant is compared only with non-participants of the same department, level and "
             "tenure band (stratification), each group counting as many times as it has participants. Participants "
             "with no such colleague are left out."),
            ("Impact: reading the result", "A difference is reported when its 95% interval excludes zero; \"about "
             f"as likely\" when the whole interval lies within ±{smallest_effect * 100:g} points (the smallest "
             "effect of interest, in Settings); otherwise the result is inconclusive: the data cannot tell an "
             "effect from none, which is not the same as no effect. The smallest detectable difference is the true "
             "difference the comparison would find 8 times in 10."),
            ("Impact: unmeasured factors", "The E-value says how strongly a factor not in the data (ambition, say) "
             "would have to make people both join and reach the outcome, as a risk ratio, to explain the result "
             "away; a value near 1 means a weak factor would do, a large one that it would have to be strong."),
        ]

    def data_sources(self) -> Table:
        where, params = "TRUE", []
        if self.filters.program:
            # A program's report names only the files holding its rows (HR files hold every program's), and
            # not their row counts, which count the other programs' rows too.
            where, params = self._program_uploads()
        frame = self.con.execute(f"""
            SELECT file_name, kind, format, rows_loaded, rows_rejected, first_date, last_date,
                   CAST(loaded_at AS DATE) AS loaded_on, CASE WHEN is_demo THEN 'demo' ELSE '' END AS note
            FROM uploads WHERE {where} ORDER BY upload_id""", params).df()
        counts = [] if self.filters.program else [
            Column("rows_loaded", "Rows loaded", "count"), Column("rows_rejected", "Rows rejected", "count")]
        return self.table("data_sources", "Data sources", "Data sources", frame, [
            Column("file_name", "File"), Column("kind", "Kind"), Column("format", "Format"), *counts,
            Column("first_date", "First date", "date"), Column("last_date", "Last date", "date"),
            Column("loaded_on", "Loaded on", "date"), Column("note", "Note")])

    def _program_uploads(self) -> tuple[str, list]:
        """(SQL condition on uploads, params): the uploads holding rows of the filtered program."""
        program = Filters(program=self.filters.program)
        pairs, pair_params = program.pairs_sql()
        responses, response_params = program.responses_sql()
        return (f"""kind = 'employees' OR upload_id IN (
            SELECT upload_id FROM ({pairs})
            UNION SELECT upload_id FROM sessions WHERE pair_id IN (SELECT pair_id FROM ({pairs}))
            UNION SELECT upload_id FROM goals WHERE pair_id IN (SELECT pair_id FROM ({pairs}))
            UNION SELECT upload_id FROM participants WHERE program = ?
            UNION SELECT upload_id FROM responses WHERE response_id IN (SELECT response_id FROM ({responses})))""",
                [*pair_params, *pair_params, *pair_params, self.filters.program, *response_params])


def _mixed_table(key: str, title: str, sheet: str, rows: pd.DataFrame) -> Table:
    """A metric/value table whose rows have different units: each cell carries its row's kind."""
    columns = [Column("metric", "Metric"), Column("value", "This quarter", "number"),
               Column("previous", "Previous quarter", "number")]
    cells = [[r["metric"], *(None if not _is_number(r[c]) else Cell(r[c], r["kind"])
                             for c in ("value", "previous"))] for r in rows.to_dict("records")]
    return Table(key, title, sheet, columns, cells)


def shield_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` whose `suppressed` flag reads charts.SHIELDED_TEXT where a group is hidden only to protect a
    smaller one (stats.SHIELDS): its cells must not say it is under the minimum size."""
    if stats.SHIELDS not in frame.columns:
        return frame
    flags = frame["suppressed"].astype(object).where(~frame[stats.SHIELDS].astype(bool), charts.SHIELDED_TEXT)
    return frame.assign(suppressed=flags)


def _segments(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str) -> pd.DataFrame:
    """One row per segment: engagement, NPS, overall satisfaction and goals, each with its own suppression flag."""
    eng = engagement.summary(con, period, filters, by=by)
    nps = shield_flags(satisfaction.nps(con, period, filters, by=by))[[by, "n", "value", "suppressed"]].rename(
        columns={"n": "nps_n", "value": "nps", "suppressed": "nps_suppressed"})
    overall = shield_flags(satisfaction.dimensions(con, period, filters, by=by))
    overall = overall[overall["dimension"] == "overall_satisfaction"][[by, "n", "mean", "suppressed"]].rename(
        columns={"n": "overall_n", "mean": "overall_mean", "suppressed": "overall_suppressed"})
    goals = outcomes.goal_attainment(con, period, filters, by=by)[[by, "n", "goal_attainment_rate"]].rename(
        columns={"n": "goals_due"})
    frame = eng.drop(columns="n").merge(nps, on=by, how="outer").merge(overall, on=by, how="outer") \
        .merge(goals, on=by, how="outer")
    return frame.sort_values(by, na_position="last").reset_index(drop=True)


def _trends(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> dict[str, pd.DataFrame]:
    nps = satisfaction.nps_trend(con, periods, filters)
    dims = satisfaction.trend(con, periods, filters)
    eng = engagement.trend(con, periods, filters)
    goals = over_periods(outcomes.goal_attainment, con, periods, filters)
    overall = dims[dims["dimension"] == "overall_satisfaction"][["period", "n", "mean", "suppressed"]].rename(
        columns={"n": "overall_n", "mean": "overall_mean", "suppressed": "overall_suppressed"})
    table = (eng[["period", "open_pairs", "active_pair_rate", "sessions_per_active_pair_per_month"]]
             .merge(nps[["period", "n", "value", "suppressed"]].rename(
                 columns={"n": "nps_n", "value": "nps", "suppressed": "nps_suppressed"}), on="period", how="left")
             .merge(overall, on="period", how="left")
             .merge(goals[["period", "n", "goal_attainment_rate"]].rename(columns={"n": "goals_due"}),
                    on="period", how="left"))
    return {"nps_trend": nps, "engagement_trend": eng, "trends": table}


def _steady(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats to 12 significant digits. DuckDB aggregates in parallel, so the last bits of a mean can
    differ from run to run; rounding far below any shown precision keeps the report's bytes stable."""
    out = frame.copy()
    for column in out.columns[[pd.api.types.is_float_dtype(t) for t in out.dtypes]]:
        out[column] = out[column].map(lambda v: v if math.isnan(v) else float(f"{v:.12g}"))
    return out


def _collect(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """Every analytics frame the report shows, each computed once (floats steadied)."""
    data = _compute(con, period, filters)
    return {key: _steady(value) if isinstance(value, pd.DataFrame) else value for key, value in data.items()}


def _compute(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    previous = period.previous()
    has_employees = retention.has_employees(con)
    by = "cohort" if filters.program else "program"
    cohorts = engagement.summary(con, period, filters, by="cohort")
    change = satisfaction.change(con, period, filters)
    return {
        "responses": int(satisfaction.response_count(con, period, filters)["n"].iloc[0]),
        "nps": satisfaction.nps(con, period, filters),
        "dimensions": satisfaction.dimensions(con, period, filters),
        "change": change,
        "likert": satisfaction.likert_distribution(con, period, filters),
        "engagement": engagement.summary(con, period, filters),
        "engagement_bases": engagement.bases(con, period, filters),
        "engagement_previous": engagement.summary(con, previous, filters),
        "cohort_months": engagement.cohort_month_activity(con, period, filters),
        "at_risk": cohorts[["cohort", "open_pairs", "active_pairs", "at_risk_pairs"]],
        "survival": retention.survival_at(con, period, filters),
        "km": retention.km_curves(con, period, filters),
        "early_exit": retention.early_exit(con, period, filters),
        "exit_reasons": retention.early_exit_reasons(con, period, filters),
        "employees": retention.employee_outcomes(con, period, filters) if has_employees else None,
        "impact": impact.block(con, period, filters),
        "impact_unavailable": impact.unavailable(con),
        "pre_post": outcomes.pre_post(con, period, filters),
        "goals": outcomes.goal_attainment(con, period, filters),
        "goal_categories": outcomes.goal_attainment(con, period, filters, by="category"),
        "comment_count": feedback.comment_count(con, period, filters),
        "comments": feedback.comments(con, period, filters),
        "themes": feedback.themes(con, period, filters),
        "sentiment": feedback.sentiment_summary(con, period, filters),
        "findings": insights.findings(con, period, filters),
        "headlines": headlines.headlines(con, period, filters),
        "segment_by": by,
        "segments": _segments(con, period, filters, by),
        **_trends(con, period.quarters_back(TREND_QUARTERS), filters),
    }


def _programs_with_data(segments: pd.DataFrame) -> list[str]:
    """The programs with pairs, survey answers or goals under the filters (the segments table's rows by
    program): a department in one program gets a report named after that program, not after all of them."""
    counts = segments[["open_pairs", "nps_n", "overall_n", "goals_due"]].fillna(0)
    return segments.loc[(counts > 0).any(axis=1), "program"].dropna().tolist()


def _scope(filters: Filters) -> str:
    """What the report covers, every filter said, the unfiltered ones too: 'Legal department · all programs ·
    all cohorts'; 'All programs · all cohorts · all departments' for the whole organisation."""
    covered = [filters.sentence()] if filters.active() else []
    covered += [f"all {name}s" for name in ("program", "cohort", "department") if getattr(filters, name) is None]
    text = " · ".join(covered)
    return text[:1].upper() + text[1:]


def _has_data(data: dict[str, Any]) -> bool:
    return bool(data["responses"] or _value(data["engagement"], "open_pairs") or _value(data["goals"], "n")
                or not data["pre_post"].empty)


def build_model(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                generated_on: date | None = None, include_comments: bool = True) -> Report:
    """The report for a period and filters; ReportError for an unknown filter value or a quarter without data.
    Without `include_comments` (readers whose role may not see raw comments) the comment list is left out."""
    try:
        validate_filters(con, filters)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    with memo.scope():  # sections share figures: each is computed once
        data = _collect(con, period, filters)
    if not _has_data(data):
        raise ReportError(f"No data for {filters.sentence(period)} ({period.start.isoformat()} to "
                          f"{period.end.isoformat()}): no survey responses, open pairs or goals due in it. "
                          "Choose another quarter or load its exports first.")
    from analytics.report import roi_section  # it builds on this module's classes, so is imported on use
    builder = _Builder(con, period, filters, include_comments)
    programs = [filters.program] if filters.program else _programs_with_data(data["segments"])
    generated_on = generated_on or date.today()
    progress = period.progress_note(generated_on)
    return Report(
        title="Mentoring program evaluation",
        programs=programs,
        period=period,
        filters=filters,
        scope=_scope(filters) + (f". {progress}" if progress else ""),
        generated_on=generated_on,
        min_group_size=builder.min_size,
        min_comment_group_size=int(settings.get(con, "min_comment_group_size")),
        suppressed_label=builder.hidden,
        headlines=builder.headlines(data),
        findings=data["findings"]["message"].head(MAX_FINDINGS).tolist(),
        sections=[builder.satisfaction(data), builder.engagement(data), builder.retention(data),
                  builder.impact(data), roi_section.section(con, filters, data), builder.outcomes(data),
                  builder.feedback(data), builder.improvements(), builder.segments(data)],
        methodology=builder.methodology(data),
        method_notes=builder.method_notes(data["impact"]),
        data_sources=builder.data_sources(),
    )
