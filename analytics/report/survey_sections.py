"""The report's sections on survey answers: satisfaction and NPS, baseline to exit with goals, and the
themes of the comments."""
from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.measures import feedback, stats
from analytics.measures import nps as net_promoter
from analytics.measures.registry import REGISTRY
from analytics.present import charts
from analytics.present.headlines import ALPHA
from analytics.report.builder import SectionBuilder
from analytics.report.model import Column, Section, _value, display

READING_COMMENTS = 40



class SurveySections(SectionBuilder):
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
            self.table("nps", REGISTRY["nps"].label, "NPS", nps, [
                Column("n", "Answers", "count"), Column("value", "NPS", "nps"),
                Column("ci_low", "95% CI low", "nps"), Column("ci_high", "95% CI high", "nps"),
                *(Column(group, text, "count") for group, text in net_promoter.GROUPS.items())]),
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
