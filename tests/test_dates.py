"""Tests for indexer.extract.dates: one reader of dates for text lines and metadata values."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.extract.dates import parse_date

CASES = {
    "iso": ("2019-03-11", date(2019, 3, 11)),
    "iso-timestamp": ("2019-03-11T08:00:00+06:00", date(2019, 3, 11)),
    "compact": ("20190311", date(2019, 3, 11)),
    "month-first": ("03/11/2019", date(2019, 3, 11)),
    "day-first-when-above-12": ("25.12.2019", date(2019, 12, 25)),
    "day-month-year": ("Published 11 March 2019 by STP", date(2019, 3, 11)),
    "month-day-year": ("March 11, 2019", date(2019, 3, 11)),
    "rfc-2822": ("Thu, 05 Mar 2020 10:00:00 GMT", date(2020, 3, 5)),
    "old-archive": ("January 4, 1963", date(1963, 1, 4)),
    "epoch-default": ("1970-01-01T00:00:00Z", None),
    "impossible": ("2019-02-30", None),
    "out-of-range": ("0001-01-01", None),
    "no-date": ("Load more", None),
    "not-text": (20190311, None),
}


@pytest.mark.parametrize(("value", "expected"), CASES.values(), ids=CASES.keys())
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected
