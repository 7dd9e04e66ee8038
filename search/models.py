"""The values search passes to its renderers: SearchRequest in, SearchPage out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup

from catalogue import Article
from search.backend import Filters, Sort
from search.query import Match

SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
MATCHES: tuple[Match, ...] = ("all", "any")
DEFAULT_PER_PAGE = 10
# `not_person=X`: no article naming X.
EXCLUDE_PREFIX = "not_"
DEFAULT_FACET_LIMIT = 10


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed, validated search request."""

    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet, selected values)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: Sort = "relevance"
    match: Match = "all"
    date_from: date | None = None
    date_to: date | None = None
    facet_limit: int = DEFAULT_FACET_LIMIT
    exclusions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet, values excluded)

    def as_filters(self) -> Filters:
        """Returns what narrows the request's hits besides its query."""
        return Filters(self.filters, self.date_from, self.date_to, self.exclusions)

    def excluded(self, facet: str) -> tuple[str, ...]:
        """Returns the values excluded for a facet."""
        return dict(self.exclusions).get(facet, ())

    def selected(self, facet: str) -> tuple[str, ...]:
        """Returns the values selected for a facet."""
        return dict(self.filters).get(facet, ())

    def link(self, **changes: object) -> list[tuple[str, str]]:
        """Returns the parameters of this request with some fields changed (page resets to 1)."""
        changes.setdefault("page", 1)
        return replace(self, **changes).to_params()  # type: ignore[arg-type]

    def to_params(self) -> list[tuple[str, str]]:
        """Returns the request as URL query parameters (defaults left out)."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        for facet, values in self.filters:
            params.extend((facet, v) for v in values)
        for facet, values in self.exclusions:
            params.extend((f"{EXCLUDE_PREFIX}{facet}", v) for v in values)
        if self.date_from:
            params.append(("from", self.date_from.isoformat()))
        if self.date_to:
            params.append(("to", self.date_to.isoformat()))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if self.match != "all":
            params.append(("match", self.match))
        if self.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(self.per_page)))
        if self.facet_limit != DEFAULT_FACET_LIMIT:
            params.append(("facet_limit", str(self.facet_limit)))
        if self.page != 1:
            params.append(("page", str(self.page)))
        return params


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the article's metadata and its highlighted snippets."""

    article: Article
    score: float
    snippets: tuple[Markup, ...]


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet, its count over all hits, and the query that toggles it."""

    value: str
    count: int
    selected: bool
    toggle_params: tuple[tuple[str, str], ...]
    variants: tuple[str, ...] = ()  # other spellings merged into this value
    exclude_params: tuple[tuple[str, str], ...] = ()  # the request with this value excluded


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet's top values (selected values always among them)."""

    name: str
    label: str  # the catalogue's heading: "People"
    values: tuple[FacetValue, ...]
    total_values: int
    # Values the request excludes, each with the request that takes the exclusion back.
    excluded: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class QueryReading:
    """How the query was read: what was searched, and what was changed or dropped."""

    interpreted: str
    relaxed: bool = False  # no article had every word; any-word ranking was used
    notes: tuple[str, ...] = ()
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results with facets and the reading of the query: rendered as HTML or JSON."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...]
    reading: QueryReading
    histogram: tuple[tuple[str, int], ...] = ()  # (YYYY-MM, hits)
    pages: int = 0


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One article, its body highlighted for the query, and related articles."""

    article: Article
    body_html: Markup
    marks: int
    related: tuple[Article, ...] = ()
    # (facet name, label, the article's values) for each facet of names, as the page lists them.
    entities: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
