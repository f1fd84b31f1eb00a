"""The impact comparison (analytics.measures.impact) in plain words and tables, for the Impact page and the report.

A reader who has never heard of stratification gets a verdict per outcome from its `reading`: an
inconclusive result says what the data could have detected, never "no effect".
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from analytics.measures.impact_stats import DIFFERENCE, INCONCLUSIVE, NO_MEANINGFUL_DIFFERENCE
from analytics.present import formatting
from analytics.present.wording import counted

# Per outcome: its name, what a participant is more or less likely to do, and what the
# unmeasured factor of the E-value would have to make people likely to do.
OUTCOMES = {
    "retention_12m": ("Retention", "to stay", "to stay"),
    "promotion_rate_12m": ("Promotion", "to be promoted", "to be promoted"),
}
READINGS = {DIFFERENCE: "a difference", NO_MEANINGFUL_DIFFERENCE: "about the same",
            INCONCLUSIVE: "inconclusive (the data cannot tell an effect from none)"}
BALANCED_SMD = 0.1  # a standardised mean difference under this is commonly read as balanced


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _points(share: float) -> str:
    """A difference of shares in signed percentage points: '+3', '−2', '0'."""
    rounded = round(share * 100)
    return "0" if rounded == 0 else f"{rounded:+d}".replace("-", "−")


def _size(share: float) -> str:
    """'3 points', '1 point', 'less than 1 point'."""
    rounded = round(abs(share) * 100)
    return "less than 1 point" if rounded == 0 else f"{rounded} point{'s' if rounded != 1 else ''}"


def _interval(found: dict) -> str:
    return f"95% CI {_points(found['ci_low'])} to {_points(found['ci_high'])}"


def verdict(outcome: str, found: dict | None, smallest_effect: float, min_size: int, *,
            unavailable: str | None = None, first_comparison_on: str | None = None) -> str:
    """One sentence on what the adjusted comparison of `outcome` says. `found` is the block's entry for
    it (None without a block, then `unavailable` says why)."""
    if found is None:
        return unavailable or "No adjusted comparison can be made for these figures."
    if first_comparison_on:
        when = date.fromisoformat(first_comparison_on)
        return (f"No participant had been in a pair for a whole year before this comparison's starting date "
                f"yet: the first comparison is possible with data up to {when:%-d %B %Y}.")
    if not found["n_participants"]:
        return "No participant has comparable colleagues in these figures, so there is nothing to compare."
    if found["suppressed"]:
        return (f"Hidden to protect anonymity (n < {min_size}): the comparison has "
                f"{counted(found['n_participants'], 'participant')} and "
                f"{counted(found['n_comparison'], 'comparable colleague')}, fewer than the minimum group size on "
                "one side.")
    _, likely, _ = OUTCOMES[outcome]
    reading, difference = found["reading"], found["difference"]
    more = "more" if difference >= 0 else "less"
    if reading == DIFFERENCE:
        return (f"Participants were {_size(difference)} {more} likely {likely} than comparable colleagues "
                f"({_interval(found)}).")
    if reading == NO_MEANINGFUL_DIFFERENCE:
        return (f"Participants were about as likely {likely} as comparable colleagues: any difference is "
                f"within ±{_size(smallest_effect)} ({_interval(found)}).")
    if reading == INCONCLUSIVE:
        detectable = ("" if _missing(found.get("mde_80")) else
                      f" With this many people, only a difference of about {_size(found['mde_80'])} or more "
                      "would reliably have shown.")
        return (f"Inconclusive: participants were {_size(difference)} {more} likely {likely} than comparable "
                f"colleagues, but the interval ({_interval(found)}) includes zero, so the data cannot tell an "
                f"effect from none.{detectable}")
    return ("Participants and comparable colleagues did exactly as well as each other in every group compared, "
            "so no confidence interval can be given.")


def brief(found: dict | None, min_size: int) -> str | None:
    """The adjusted difference and its reading in a phrase, to stand beside a raw one:
    'against comparable colleagues: +6 pts (95% CI −3 to +14), inconclusive …'. None without one."""
    if found is None or not found["n_participants"]:
        return None
    if found["suppressed"]:
        return f"against comparable colleagues: n < {min_size}"
    said = READINGS.get(found["reading"])
    if said is None:
        return None
    return f"against comparable colleagues: {_points(found['difference'])} pts ({_interval(found)}), {said}"


def sensitivity(outcome: str, found: dict | None) -> str | None:
    """The E-values in words: how strong an unmeasured factor would have to be to explain the estimate
    away, and to make its interval include no difference. None without figures."""
    if found is None or found.get("suppressed") or _missing(found.get("e_value")):
        return None
    _, _, joined = OUTCOMES[outcome]
    text = (f"To explain this estimate away, a factor not measured here would need to make people about "
            f"{found['e_value']:.1f} times as likely to join and {joined}, beyond department, level and tenure")
    limit = found.get("e_value_ci")
    if _missing(limit) or limit <= 1:
        return text + "; the interval already includes no difference."
    return text + f"; about {limit:.1f} times would be enough for the interval to include no difference."


def tenure_balance(tenure_smd: dict) -> str | None:
    """Tenure's standardised mean difference before and after weighting, in words."""
    before, after = tenure_smd.get("before"), tenure_smd.get("after")
    if _missing(before):
        return None
    longer = "longer" if before >= 0 else "shorter"
    text = (f"Before adjusting, participants had served {longer} than non-participants (standardised difference "
            f"in tenure {formatting.show(before, 'effect')}")
    if _missing(after):
        return text + ")."
    balanced = "balanced" if abs(after) < BALANCED_SMD else "still not balanced"
    return text + (f"); against the comparable colleagues it is {formatting.show(after, 'effect')}, {balanced} "
                   f"(under {BALANCED_SMD} is commonly read as balanced).")


def left_out(block: dict) -> str:
    """Who the adjusted comparison leaves out, with counts."""
    unmatched = block["retention_12m"]["n_participants_unmatched"]
    text = (f"Left out: {unmatched:,} of {block['n_participants']:,} participants with no colleague of the same "
            "department, level and tenure band outside the program")
    if block["n_neither"] is None:  # not counted for a user limited to some programs
        return text + "; and the employees in neither group (mentored earlier, matched later, or in another program)."
    return text + (f"; and {block['n_neither']:,} employees in neither group (mentored earlier, matched later, or in "
                   "another program under a filter).")


def raw_and_adjusted(raw: pd.DataFrame, block: dict) -> pd.DataFrame:
    """Raw (retention.employee_outcomes) against adjusted (the block) per outcome → [outcome, comparison,
    participants, others, difference, ci_low, ci_high, reading, n_participants, n_others, n, suppressed]."""
    rows = []
    for outcome, (name, _, _) in OUTCOMES.items():
        plain = raw.set_index("measure").loc[outcome]
        adjusted = block[outcome]
        for kind, figures, others, n_others in (
                ("raw: all non-participants", plain, plain["non_participants"], plain["n_non_participants"]),
                ("adjusted: comparable colleagues", adjusted, adjusted["comparison"], adjusted["n_comparison"])):
            rows.append({"outcome": name, "comparison": kind, "participants": figures["participants"],
                         "others": others, "difference": figures["difference"], "ci_low": figures["ci_low"],
                         "ci_high": figures["ci_high"], "reading": figures["reading"],
                         "n_participants": int(figures["n_participants"]), "n_others": int(n_others),
                         "n": min(int(figures["n_participants"]), int(n_others)),
                         "suppressed": bool(figures["suppressed"])})
    return pd.DataFrame(rows)


def balance(block: dict) -> pd.DataFrame:
    """The block's balance → [covariate, level, group, share, n]: a row per covariate level and group
    (participants, all non-participants, comparable colleagues as weighted), n the group's head-count."""
    groups = {"participants": ("participants", block["n_participants"]),
              "non_participants": ("all non-participants", block["n_non_participants"]),
              "non_participants_weighted": ("comparable colleagues (weighted)",
                                            block["retention_12m"]["n_comparison"])}
    frame = pd.DataFrame(block["balance"], columns=["covariate", "level", *groups])
    frame["covariate"] = frame["covariate"].map({"tenure_band": "tenure (years)"}).fillna(frame["covariate"])
    long = frame.rename(columns={key: name for key, (name, _) in groups.items()}).melt(
        id_vars=["covariate", "level"], var_name="group", value_name="share")
    return long.assign(n=long["group"].map({name: int(n) for name, n in groups.values()}))


def dose_response(block: dict) -> pd.DataFrame:
    """The block's dose-response bands as a table [band, n, retention_12m, …, suppressed]."""
    return pd.DataFrame(block["dose_response"])
