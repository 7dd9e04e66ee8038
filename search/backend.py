"""The Backend protocol: what a search engine must answer for Lantern, in Lantern's own terms.

`search/engine.py` reads queries, relaxes them, pages, highlights and builds facet toggles; a
backend only matches, ranks, counts and fetches. The embedded default is Whoosh
(`search/backends/whoosh.py`); a search cluster fits the same protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from analysis.tokens import TextSettings
from catalogue import Article
from search.syntax import Fuzzy, Node, Pattern

Sort = Literal["relevance", "newest", "oldest"]


@dataclass(frozen=True, slots=True)
class Filters:
    """What narrows the hits besides the query: facet values (OR within a facet, AND across
    facets), facet values excluded (no article holding any of them), a publication date range."""

    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet name, selected values)
    date_from: date | None = None
    date_to: date | None = None
    excluded: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet name, excluded values)

    def __bool__(self) -> bool:
        return bool(self.facets or self.date_from or self.date_to or self.excluded)


@dataclass(frozen=True, slots=True)
class FacetRequest:
    """One facet to count over every hit: a page of its values by count, optionally those
    starting with a prefix."""

    name: str
    limit: int
    offset: int = 0
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class Bucket:
    """One facet value: its merge key, its label (the most frequent spelling), its count over
    the hits, and every spelling merged into it."""

    key: str
    label: str
    count: int
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """A facet's values over the hits of the query and of every other facet's filter.

    `buckets` is the requested page, by count (then label); `selected` has the request's
    selected values (a value the index does not hold with count 0 and key ""), wherever they
    rank; `total_values` counts the values with at least one hit (matching the prefix)."""

    name: str
    buckets: tuple[Bucket, ...]
    selected: tuple[Bucket, ...]
    total_values: int


@dataclass(frozen=True, slots=True)
class Retrieval:
    """One request to a backend: match, filter, rank or sort, and count facets."""

    query: Node
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "relevance"
    offset: int = 0
    limit: int = 10
    # The query's stems and how often each occurs in it: the topic hits are re-ranked by.
    topic: Mapping[str, int] = field(default_factory=dict)
    facets: tuple[FacetRequest, ...] = ()
    histogram: bool = False
    fetch: bool = True  # False: hits carry ids and scores only (benchmarks, exports of ids)


@dataclass(frozen=True, slots=True)
class Match:
    """One hit: the article's id, its score (0 when sorted by date) and, when fetched, it."""

    id: str
    score: float
    article: Article | None = None


@dataclass(frozen=True, slots=True)
class Retrieved:
    """What a backend found for a Retrieval."""

    total: int
    hits: tuple[Match, ...]
    facets: tuple[FacetCounts, ...] = ()
    histogram: tuple[tuple[str, int], ...] = ()  # (YYYY-MM, hits), oldest first


class Backend(Protocol):
    """One consistent view of an index (a generation): every call answers from the same one."""

    @property
    def generation(self) -> str:
        """Returns what identifies this view of the index; it changes with every commit."""
        ...

    @property
    def text_settings(self) -> TextSettings:
        """Returns the title/body analysis the index was built with (queries use the same)."""
        ...

    def article_count(self) -> int:
        """Returns the number of articles."""
        ...

    def count(self, query: Node) -> int:
        """Returns how many articles the query matches, with no filter."""
        ...

    def search(self, retrieval: Retrieval) -> Retrieved:
        """Returns the requested page of hits, their total, facet counts and histogram."""
        ...

    def fetch(self, article_id: str) -> Article | None:
        """Returns the article with this id, or None."""
        ...

    def more_like(self, article_id: str, limit: int) -> tuple[Article, ...]:
        """Returns up to `limit` articles most like this one (not itself)."""
        ...

    def expand(self, node: Pattern | Fuzzy, limit: int) -> frozenset[str]:
        """Returns the index terms a wildcard or fuzzy word matches, the `limit` most frequent
        in each field it searches (as matching takes them), in the analysed form of its field:
        stems for the text fields, name keys for names."""
        ...

    def document_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        """Returns, for each word as typed, how many articles hold it in a text field."""
        ...

    def has_term(self, index_field: str, term: str) -> bool:
        """Returns whether an analysed term occurs in an index field ("exact", "names")."""
        ...

    def closest_word(self, folded: str, max_distance: int) -> str | None:
        """Returns the most frequent indexed word within `max_distance` edits, or None."""
        ...


class BackendSource(Protocol):
    """Hands out the current view of an index, opening a new one after each commit."""

    def current(self) -> Backend:
        """Returns the current view.

        Raises:
            IndexUnavailable: there is no index, or it cannot be read.
        """
        ...
