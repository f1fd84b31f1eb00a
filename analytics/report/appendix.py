"""The report's appendix: each metric's definition with the n behind it, how the figures were tested and
compared, and the files they come from."""
from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from analytics.measures import engagement, retention
from analytics.measures.filters import Filters
from analytics.measures.registry import REGISTRY
from analytics.measures.scope import program_in
from analytics.present import impact_reading
from analytics.present.headlines import ALPHA
from analytics.report.builder import SectionBuilder
from analytics.report.model import Column, Table, _value
from analytics.store import settings

# The registry's unit codes as a reader says them.
UNITS = {"count": "count", "rate": "percent", "score": "mean score on the survey scale", "nps": "NPS, −100 to 100",
         "per_month": "per month", "hours": "hours", "days": "days", "difference": "difference in mean score"}


class Appendix(SectionBuilder):
    """The appendix's tables and notes."""


    def methodology(self, data: dict[str, Any]) -> Table:
        """Each registry metric's definition with the n behind this report's figure."""
        sizes = self.metric_sizes(data)
        setting = partial(settings.get, self.con)
        rows = pd.DataFrame([{"metric": m.label, "definition": m.described(setting), "unit": UNITS.get(m.unit, m.unit),
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
        if self.filters.program or self.filters.scope is not None:
            # A program's (a scope's) report names only the files holding its rows (HR files hold every program's), and
            # not their row counts, which count the other programs' rows too.
            where, params = self._program_uploads()
        frame = self.con.execute(f"""
            SELECT file_name, kind, format, rows_loaded, rows_rejected, first_date, last_date,
                   CAST(loaded_at AS DATE) AS loaded_on, CASE WHEN is_demo THEN 'demo' ELSE '' END AS note
            FROM uploads WHERE {where} ORDER BY upload_id""", params).df()
        counts = [] if self.filters.program or self.filters.scope is not None else [
            Column("rows_loaded", "Rows loaded", "count"), Column("rows_rejected", "Rows rejected", "count")]
        return self.table("data_sources", "Data sources", "Data sources", frame, [
            Column("file_name", "File"), Column("kind", "Kind"), Column("format", "Format"), *counts,
            Column("first_date", "First date", "date"), Column("last_date", "Last date", "date"),
            Column("loaded_on", "Loaded on", "date"), Column("note", "Note")])

    def _program_uploads(self) -> tuple[str, list]:
        """(SQL condition on uploads, params): the uploads holding rows of the filtered program."""
        program = Filters(program=self.filters.program, scope=self.filters.scope)
        pairs, pair_params = program.pairs_sql()
        responses, response_params = program.responses_sql()
        members, member_params = program_in("program", (program.program,) if program.program else program.scope)
        return (f"""kind = 'employees' OR upload_id IN (
            SELECT upload_id FROM ({pairs})
            UNION SELECT upload_id FROM sessions WHERE pair_id IN (SELECT pair_id FROM ({pairs}))
            UNION SELECT upload_id FROM goals WHERE pair_id IN (SELECT pair_id FROM ({pairs}))
            UNION SELECT upload_id FROM participants WHERE {members}
            UNION SELECT upload_id FROM responses WHERE response_id IN (SELECT response_id FROM ({responses})))""",
                [*pair_params, *pair_params, *pair_params, *member_params, *response_params])
