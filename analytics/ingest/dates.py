"""Date and timestamp parsing for exports, vectorised over a whole column.

Accepted: ISO (`2026-04-03`, `2026-04-03 14:00:00`, `2026-04-03T14:00:00Z`,
with an offset), slash or dot dates (`4/3/2026 14:00`, `8/21/2019 1:10:31 PM`,
Excel-mangled `1/6/18 9:05`), and Excel serial day numbers. A timestamp with a
zone (or a column whose zone the export names, `tz=`) is converted to UTC;
one without is taken as written. Results are naive datetimes.

Slash dates are day/month ambiguous. The column decides, from the values that
are a real date in one order only: 25/03/2026 means day-first, 03/25/2026
month-first; 31/02/2026 is no date either way and decides nothing (its row is
rejected). A column that never tells is a question for the user
(NeedsMapping), never a guess.

Dates outside EARLIEST .. latest_plausible() are typing slips (9999-12-31,
0001-01-01): ingest rejects their rows, and quarters leave stored ones out.
"""
from __future__ import annotations

import pandas as pd

from analytics.ingest.errors import NeedsMapping

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?$"
_SLASH = (r"^(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4}|\d{2})"
          r"(?:[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$")
_SERIAL = r"^\d{5}(?:\.\d+)?$"
# An ISO date or minute/second timestamp without a zone, in years pandas reads: DuckDB casts
# these exactly as parse_dates reads them, so ingest converts them in SQL and sends every other
# spelling here.
ISO_PLAIN = (r"(1[7-9]|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
             r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?")
# A zone after a time: Z, +02, +0200 or +02:00 (a date's own "-05" is not one).
_ZONE = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
def parse_dates(values: pd.Series, *, day_first: bool | None = None, column: str = "date",
                tz: str | None = None) -> pd.Series:
    """Parse a column of date strings; NaT where a value is blank or invalid.

    Callers tell blank from invalid with `invalid_mask(values, parsed)`.
    """
    text = _text(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")

    iso = text.str.match(_ISO, na=False)
    if iso.any():
        out[iso] = _parse_iso(text[iso], tz)

    found = _slash_parts(text, iso)
    slash = pd.Series(False, index=values.index)
    slash[found.index] = True
    if slash.any():
        out[slash] = _parse_slash(found, decide_day_first(found, day_first, column), tz)

    serial = text.str.match(_SERIAL, na=False) & ~iso & ~slash
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        ok = days.between(20000, 80000)  # 1954 .. 2119: anything else is not a date
        out[serial & ok.reindex(values.index, fill_value=False)] = _EXCEL_EPOCH + pd.to_timedelta(days[ok], unit="D")
    return out


def slash_parts(values: pd.Series) -> pd.DataFrame:
    """Parts a, b, y, h, mi, s, ampm of the values that are slash or dot dates."""
    text = _text(values)
    return _slash_parts(text, text.str.match(_ISO, na=False))


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lstrip("'")


def _slash_parts(text: pd.Series, iso: pd.Series) -> pd.DataFrame:
    parts = text[~iso].str.extract(_SLASH)  # an ISO date never matches the slash pattern
    return parts[parts["a"].notna()]


def invalid_mask(values: pd.Series, parsed: pd.Series) -> pd.Series:
    """True where a non-blank value did not parse."""
    blank = values.isna() | (values.astype("string").str.strip() == "")
    return parsed.isna() & ~blank.fillna(True)


def _parse_iso(text: pd.Series, tz: str | None) -> pd.Series:
    has_zone = text.str.contains(_ZONE, regex=True, na=False)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if has_zone.any():
        aware = pd.to_datetime(text[has_zone], format="ISO8601", utc=True, errors="coerce")
        out[has_zone] = aware.dt.tz_localize(None).astype("datetime64[us]")  # nanoseconds would not fit
    naive = ~has_zone
    if naive.any():
        out[naive] = _localise(pd.to_datetime(text[naive], format="ISO8601", errors="coerce"), tz)
    return out


def _parse_slash(parts: pd.DataFrame, day_first: bool, tz: str | None) -> pd.Series:
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    year = _full_year(parts["y"])
    hour = parts["h"].fillna("0").astype(int)
    ampm = parts["ampm"].fillna("").str.lower().str[:1]
    hour = hour.mask(ampm.eq("p"), hour % 12 + 12).mask(ampm.eq("a"), hour % 12)
    stamp = pd.to_datetime(pd.DataFrame({
        "year": year, "month": b if day_first else a, "day": a if day_first else b,
        "hour": hour, "minute": parts["mi"].fillna("0").astype(int),
        "second": parts["s"].fillna("0").astype(int),
    }), errors="coerce")
    return _localise(stamp, tz)


def decide_day_first(parts: pd.DataFrame, day_first: bool | None, column: str) -> bool:
    """Whether slash dates with these parts (columns a, b and y, as text) are day-first; may ask the user.

    Only a value that is a real date in one order decides; one real both ways is undecided, and one
    real neither way (31/02, 29/02 of a common year) decides nothing."""
    if day_first is not None:
        return day_first
    as_day_first, as_month_first = _real(parts, True), _real(parts, False)
    first_is_day = (as_day_first & ~as_month_first).any()
    second_is_day = (as_month_first & ~as_day_first).any()
    if first_is_day != second_is_day:
        return bool(first_is_day)
    if not first_is_day and not (as_day_first & as_month_first).any():
        return False  # no value is a date in either order: every row is rejected anyway
    problem = ("has dates written in both day/month orders" if first_is_day
               else "has dates like 03/04/2026 that could be 3 April or March 4")
    raise NeedsMapping(problem, column=column, ambiguous_dates=[column],
                       fix="Say whether dates are day-first or month-first "
                           "(--day-first / --month-first, or the choice on the Upload page).")


def _real(parts: pd.DataFrame, day_first: bool) -> pd.Series:
    """Whether each value's parts make a calendar date when read in this order."""
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    stamp = pd.to_datetime(pd.DataFrame({"year": _full_year(parts["y"]), "month": b if day_first else a,
                                         "day": a if day_first else b}), errors="coerce")
    return stamp.notna()


def _full_year(text: pd.Series) -> pd.Series:
    """Two-digit years below 70 are 20xx, the others 19xx."""
    year = text.astype(int)
    four = text.str.len() == 4
    return year.where(four, year + 2000).where(four | (year < 70), year + 1900)


def _localise(stamp: pd.Series, tz: str | None) -> pd.Series:
    """Wall-clock times in `tz` -> naive UTC; without a zone, as written."""
    if tz is None or stamp.empty:
        return stamp.astype("datetime64[us]")
    try:
        local = stamp.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    except Exception:  # an unknown zone name in the export: take times as written
        return stamp.astype("datetime64[us]")
    return local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
