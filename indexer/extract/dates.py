"""parse_date: the one reader of dates, for lines of text dumps and for HTML metadata values."""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

# 2019-03-11, also inside a timestamp (2019-03-11T08:00:00Z).
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# 20190311 opening a metadata value.
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\D|$)")
# Seed 004's "03/11/2019" is March 11, 2019: the site writes month first, as US sites do; a day
# above 12 in the first place is read day first.
NUMERIC_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
MONTHS = {
    m: k + 1
    for k, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
# "11 March 2019", "March 11, 2019", "Mar. 11 2019".
WORDY_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-z]{3,9})\.?|(?P<m2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2})),?"
    r"\s+(?P<y>\d{4})"
)
# Dates outside this span are typos, not reporting; archives reach back past 1900.
EARLIEST_YEAR = 1800
LATEST_YEAR = 2100
# What templates print when an article has no date: never a publication date.
TEMPLATE_DEFAULTS = frozenset({date(1970, 1, 1), date(1900, 1, 1)})


def parse_date(value: object) -> date | None:
    """Returns the first calendar date a text or metadata value states, or None; never guesses.

    Read, in order: ISO 8601, YYYYMMDD at the start, 03/11/2019, "11 March 2019" or
    "March 11, 2019", then an RFC 2822 timestamp ("Thu, 05 Mar 2020 10:00:00 GMT").
    """
    if not isinstance(value, str):
        return None
    found = _first_date(value.strip())
    if found is None or not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
        return None
    return None if found in TEMPLATE_DEFAULTS else found


def _first_date(value: str) -> date | None:
    try:
        if m := ISO_DATE.search(value) or COMPACT_DATE.search(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := NUMERIC_DATE.search(value):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            month, day = (second, first) if first > 12 else (first, second)
            return date(year, month, day)
        if m := WORDY_DATE.search(value):
            month_name = (m["m1"] or m["m2"]).lower()
            if month_name in MONTHS:
                return date(int(m["y"]), MONTHS[month_name], int(m["d1"] or m["d2"]))
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
