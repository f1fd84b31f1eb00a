"""The report's sections on the program's pairs and people: engagement, retention, impact against
comparable colleagues, the improvement actions, and the headline figures by segment and over time."""
from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.measures import effects
from analytics.measures.registry import REGISTRY
from analytics.present import charts, formatting, impact_reading
from analytics.report.builder import SectionBuilder
from analytics.report.data import TREND_QUARTERS
from analytics.report.model import Cell, Column, Section, Table, _is_number, _plain, _value, display
from analytics.store import settings


class ProgramSections(SectionBuilder):
    def engagement(self, data: dict[str, Any]) -> Section:
        eng, prev = data["engagement"], data["engagement_previous"]
        names = [c for c in eng.columns if c != "n"]
        rows = pd.DataFrame([{"metric": REGISTRY[name].label, "value": _value(eng, name),
                              "previous": _value(prev, name), "kind": REGISTRY[name].unit}
                             for name in names])
        section = Section("engagement", "Engagement",
                          f"{int(_value(eng, 'open_pairs') or 0):,} pairs were open in the quarter; "
                          f"{int(_value(eng, 'active_pairs') or 0):,} of them met at least once.")
        section.charts = [
            self.chart("active_trend", charts.trend, data["engagement_trend"],
                       {"active_pair_rate": REGISTRY["active_pair_rate"].label},
                       "Active pair rate by quarter", "Active pairs (%)", percent=True),
            self.chart("cohort_heatmap", charts.heatmap, data["cohort_months"])]
        section.tables = [
            _mixed_table("engagement", "Engagement this quarter and last", "Engagement", rows),
            self.table("at_risk", "At-risk pairs by cohort", "At-risk counts", data["at_risk"], [
                Column("cohort", "Cohort"), Column("open_pairs", REGISTRY["open_pairs"].label, "count"),
                Column("active_pairs", REGISTRY["active_pairs"].label, "count"),
                Column("at_risk_pairs", REGISTRY["at_risk_pairs"].label, "count")],
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
                     "(the survival curve's 'number at risk'), not the at-risk pairs of the engagement section."),
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

    def segments(self, data: dict[str, Any]) -> Section:
        by = data["segment_by"]
        frame = data["segments"]
        section = Section("segments", f"Metrics by {by}",
                          f"The quarter's headline figures for each {by}.")
        section.tables = [self.table("segments", f"Metric by segment ({by})", "Metric by segment", frame, [
            Column(by, by.capitalize()), Column("open_pairs", REGISTRY["open_pairs"].label, "count"),
            Column("active_pair_rate", REGISTRY["active_pair_rate"].label, "rate"),
            Column("sessions_per_active_pair_per_month", REGISTRY["sessions_per_active_pair_per_month"].label,
                   "per_month"),
            Column("at_risk_pairs", REGISTRY["at_risk_pairs"].label, "count"),
            Column("nps_n", "NPS answers", "count"), Column("nps", "NPS", "nps", "nps_suppressed"),
            Column("overall_n", "Overall satisfaction n", "count"),
            Column("overall_mean", REGISTRY["overall_satisfaction_mean"].label, "score", "overall_suppressed"),
            Column("goals_due", "Goals due", "count"),
            Column("goal_attainment_rate", REGISTRY["goal_attainment_rate"].label, "rate")])]
        section.tables.append(self.table("trends", f"Trends over {TREND_QUARTERS} quarters", "Trends", data["trends"], [
            Column("period", "Quarter"), Column("nps_n", "NPS answers", "count"),
            Column("nps", "NPS", "nps", "nps_suppressed"), Column("overall_n", "Overall satisfaction n", "count"),
            Column("overall_mean", REGISTRY["overall_satisfaction_mean"].label, "score", "overall_suppressed"),
            Column("open_pairs", REGISTRY["open_pairs"].label, "count"),
            Column("active_pair_rate", REGISTRY["active_pair_rate"].label, "rate"),
            Column("sessions_per_active_pair_per_month", REGISTRY["sessions_per_active_pair_per_month"].label,
                   "per_month"),
            Column("goals_due", "Goals due", "count"),
            Column("goal_attainment_rate", REGISTRY["goal_attainment_rate"].label, "rate")]))
        return section


def _mixed_table(key: str, title: str, sheet: str, rows: pd.DataFrame) -> Table:
    """A metric/value table whose rows have different units: each cell carries its row's kind."""
    columns = [Column("metric", "Metric"), Column("value", "This quarter", "number"),
               Column("previous", "Previous quarter", "number")]
    cells = [[r["metric"], *(None if not _is_number(r[c]) else Cell(r[c], r["kind"])
                             for c in ("value", "previous"))] for r in rows.to_dict("records")]
    return Table(key, title, sheet, columns, cells)
