"""parse_search_request(args): URL parameters in, a validated SearchRequest out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import unquote_to_bytes

from catalogue import FACET_NAMES
from search.errors import BadRequest
from search.models import (
    DEFAULT_FACET_LIMIT,
    DEFAULT_PER_PAGE,
    EXCLUDE_PREFIX,
    MATCHES,
    SORTS,
    Match,
    SearchRequest,
    Sort,
)

MAX_PAGE = 1000
MAX_PER_PAGE = 100
MAX_FACET_LIMIT = 100
# Longer queries are refused; a query up to this length is read whole.
MAX_QUERY_CHARS = 20_000
MAX_FILTER_CHARS = 300
MAX_FILTER_VALUES = 50
_INT = re.compile(r"[0-9]{1,9}")
# The forms of the facets whose values have one: a year, a month.
_FACET_FORMS = {
    "year": (re.compile(r"[0-9]{4}"), "a year: YYYY"),
    "month": (re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])"), "a month: YYYY-MM"),
}
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A URL parameter of a search, as the API's description states it."""

    name: str
    schema: dict[str, Any]  # JSON Schema of one value
    description: str
    repeatable: bool = False


def _integer(high: int) -> dict[str, Any]:
    """Returns the schema of a whole-number parameter (empty: its default)."""
    return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": high}, {"const": ""}]}


_DATE_SCHEMA = {
    "type": "string",
    "anyOf": [
        {"pattern": "^[1-9][0-9]{3}$"},
        {"pattern": "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"},
        {"format": "date"},
        {"maxLength": 0},  # an empty date field of the page's form: no bound
    ],
}
# Every parameter parse_search_request reads, for the API's OpenAPI description.
SEARCH_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
        'The query: words (all required, else any), "phrases", OR, NOT / -word, parentheses,'
        " field:word, prefix*, fuzzy~. Empty: every article, newest first.",
    ),
    Parameter("match", {"type": "string", "enum": [*MATCHES, ""]}, "Every word, or any word."),
    *(
        Parameter(
            name,
            (
                {
                    "type": "string",
                    "anyOf": [
                        {"pattern": f"^{_FACET_FORMS[name][0].pattern}$"},
                        {"maxLength": 0},  # an empty value is ignored
                    ],
                }
                if name in _FACET_FORMS
                else {"type": "string", "maxLength": MAX_FILTER_CHARS}
            ),
            f"Only articles with this {name} (values of one facet OR together).",
            repeatable=True,
        )
        for name in FACET_NAMES
    ),
    *(
        Parameter(
            f"{EXCLUDE_PREFIX}{name}",
            (
                {
                    "type": "string",
                    "anyOf": [
                        {"pattern": f"^{_FACET_FORMS[name][0].pattern}$"},
                        {"maxLength": 0},
                    ],
                }
                if name in _FACET_FORMS
                else {"type": "string", "maxLength": MAX_FILTER_CHARS}
            ),
            f"No article with this {name}.",
            repeatable=True,
        )
        for name in FACET_NAMES
    ),
    Parameter("from", _DATE_SCHEMA, "Published on or after: YYYY, YYYY-MM or YYYY-MM-DD."),
    Parameter("to", _DATE_SCHEMA, "Published on or before: YYYY, YYYY-MM or YYYY-MM-DD."),
    Parameter("sort", {"type": "string", "enum": [*SORTS, ""]}, "The order of the hits."),
    Parameter("page", _integer(MAX_PAGE), "The page, from 1."),
    Parameter(
        "per_page",
        _integer(MAX_PER_PAGE),
        f"Results per page (default {DEFAULT_PER_PAGE}).",
    ),
    Parameter(
        "facet_limit",
        _integer(MAX_FACET_LIMIT),
        f"Values listed per facet (default {DEFAULT_FACET_LIMIT}).",
    ),
)
FACET_PAGE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "facet_prefix",
        {"type": "string", "maxLength": MAX_FILTER_CHARS},
        "Only the values (or a word of them) that start with this.",
    ),
    Parameter("facet_page", _integer(MAX_PAGE), "Which page."),
)


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(name, values[0], f"give {name} once, not {len(values)} times")
    return values[0]


def _int(args: Mapping[str, Sequence[str]], name: str, default: int, high: int) -> int:
    raw = _one(args, name)
    if raw is None or raw == "":
        return default
    if not _INT.fullmatch(raw.strip()):
        raise BadRequest(name, raw, f"{name} must be a whole number from 1 to {high}")
    value = int(raw)
    if not 1 <= value <= high:
        raise BadRequest(name, raw, f"{name} must be a whole number from 1 to {high}")
    return value


def _choice(args: Mapping[str, Sequence[str]], name: str, choices: Sequence[str]) -> str:
    raw = _one(args, name)
    if raw is None or raw == "":
        return choices[0]
    if raw not in choices:
        raise BadRequest(name, raw, f"{name} must be one of: {', '.join(choices)}")
    return raw


def parse_date_param(name: str, raw: str, *, end: bool) -> date:
    """Returns the date a from/to parameter names: YYYY, YYYY-MM or YYYY-MM-DD.

    A year or month stands for its first day as `from` and its last day as `to`.
    """
    m = _DATE.fullmatch(raw.strip())
    message = f"{name} must be a date: YYYY, YYYY-MM or YYYY-MM-DD"
    if not m:
        raise BadRequest(name, raw, message)
    year = int(m[1])
    month = int(m[2]) if m[2] else (12 if end else 1)
    try:
        if m[3]:
            return date(year, month, int(m[3]))
        if not end:
            return date(year, month, 1)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    except ValueError as err:
        raise BadRequest(name, raw, message) from err


def parse_search_request(args: Mapping[str, Sequence[str]]) -> SearchRequest:
    """Returns the SearchRequest that URL parameters describe.

    Args:
        args: parameter name to its values, in order (Flask: `request.args.to_dict(flat=False)`).

    Returns:
        The validated request.

    Raises:
        BadRequest: a parameter has a value we cannot use; it names the parameter.
    """
    q = _one(args, "q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", q[:40], f"the query is longer than {MAX_QUERY_CHARS} characters")
    filters = []
    exclusions = []
    for facet in FACET_NAMES:
        values = _facet_values(args, facet, facet)
        if values:
            filters.append((facet, values))
        excluded = _facet_values(args, f"{EXCLUDE_PREFIX}{facet}", facet)
        if excluded:
            exclusions.append((facet, excluded))
    raw_from, raw_to = _one(args, "from"), _one(args, "to")
    date_from = parse_date_param("from", raw_from, end=False) if raw_from else None
    date_to = parse_date_param("to", raw_to, end=True) if raw_to else None
    return SearchRequest(
        q=q.strip(),
        filters=tuple(filters),
        page=_int(args, "page", 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
        sort=cast(Sort, _choice(args, "sort", SORTS)),
        match=cast(Match, _choice(args, "match", MATCHES)),
        date_from=date_from,
        date_to=date_to,
        facet_limit=_int(args, "facet_limit", DEFAULT_FACET_LIMIT, MAX_FACET_LIMIT),
        exclusions=tuple(exclusions),
    )


def _facet_values(args: Mapping[str, Sequence[str]], name: str, facet: str) -> tuple[str, ...]:
    """Returns the values a facet parameter gives (blank ones ignored, repeats once).

    Raises:
        BadRequest: too many values, a value too long, or of the wrong form (year, month).
    """
    values = [v for v in args.get(name, ()) if v.strip()]
    if len(values) > MAX_FILTER_VALUES:
        raise BadRequest(name, values[0], f"at most {MAX_FILTER_VALUES} values per facet")
    for value in values:
        if len(value) > MAX_FILTER_CHARS:
            raise BadRequest(name, value[:40], f"a {name} value is at most 300 characters")
        form = _FACET_FORMS.get(facet)
        if form and not form[0].fullmatch(value):
            raise BadRequest(name, value[:40], f"{name} must be {form[1]}")
    return tuple(dict.fromkeys(v.strip() for v in values))


def parse_facet_prefix(args: Mapping[str, Sequence[str]]) -> str:
    """Returns the `facet_prefix` parameter: the start of the facet values wanted."""
    prefix = _one(args, "facet_prefix") or ""
    if len(prefix) > MAX_FILTER_CHARS:
        raise BadRequest("facet_prefix", prefix[:40], "facet_prefix is at most 300 characters")
    return prefix.strip()


def parse_facet_page(args: Mapping[str, Sequence[str]]) -> int:
    """Returns the `facet_page` parameter: which page of a facet's values."""
    return _int(args, "facet_page", 1, MAX_PAGE)


def check_encoding(query_string: bytes) -> None:
    """Checks that every parameter of a raw URL query string is UTF-8 once percent-decoded.

    Raises:
        BadRequest: a parameter is not; it names the parameter (werkzeug would keep the
        undecodable escape as text, "%FF", and the query would search for "FF").
    """
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as err:
            param = unquote_to_bytes(name).decode("utf-8", "replace")
            raise BadRequest(param, "", f"{param} is not valid UTF-8 text") from err
