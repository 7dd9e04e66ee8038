"""The catalogue: the Article every package passes around, its one JSON codec, and each field
and facet declared once (its index field, label, query alias, name keys and JSON name).

The index schema, the query reader's field names, the highlight groups, the facet sidebar and
the API's shape all read these declarations; nothing else lists a facet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from analysis.namekeys import name_key

# How a query field's text is analysed: "text" (words, stems; title, body, caption), "names"
# (name keys, so that person:Bilash finds Bilashuly), "exact" (folded words, unstemmed) and
# "keyword" (the value as it is).
Analysis = Literal["text", "names", "exact", "keyword"]


@dataclass(frozen=True, slots=True)
class Article:
    """One article, as extracted, indexed, fetched and shown."""

    id: str  # stable across rebuilds: source file + position, or the record's own id
    source_file: str
    title: str
    body: str  # plain text, paragraphs separated by "\n\n", no chrome
    published: date | None = None  # only when the page says so; never invented
    source: str | None = None  # publisher
    section: str | None = None
    dateline: str | None = None  # "Almaty, Kazakhstan"
    url: str | None = None  # the original page
    caption: str | None = None  # the photo caption that opened the post; not part of the body
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    seen_on: tuple[str, ...] = ()  # other pages the same article was found on
    duplicates: tuple[str, ...] = ()  # ids of the copies merged into this article

    def to_json(self) -> dict[str, Any]:
        """Returns the article as a JSON object: the one shape extract prints, the index stores
        and the API shows."""
        return {
            "id": self.id,
            "source_file": self.source_file,
            "title": self.title,
            "body": self.body,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "section": self.section,
            "dateline": self.dateline,
            "url": self.url,
            "caption": self.caption,
            "people": list(self.people),
            "organizations": list(self.organizations),
            "places": list(self.places),
            "seen_on": list(self.seen_on),
            "duplicates": list(self.duplicates),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        """Returns the article a `to_json()` object describes (its exact inverse)."""
        published = data.get("published")
        return cls(
            id=data["id"],
            source_file=data["source_file"],
            title=data["title"],
            body=data["body"],
            published=date.fromisoformat(published) if published else None,
            source=data.get("source"),
            section=data.get("section"),
            dateline=data.get("dateline"),
            url=data.get("url"),
            caption=data.get("caption"),
            people=tuple(data.get("people", ())),
            organizations=tuple(data.get("organizations", ())),
            places=tuple(data.get("places", ())),
            seen_on=tuple(data.get("seen_on", ())),
            duplicates=tuple(data.get("duplicates", ())),
        )

    def facet_values(self, facet: FacetField) -> tuple[str, ...]:
        """Returns the article's values of a facet (a year and month come from `published`)."""
        if facet.name == "year":
            return (str(self.published.year),) if self.published else ()
        if facet.name == "month":
            day = self.published
            return (f"{day.year:04d}-{day.month:02d}",) if day else ()
        value = getattr(self, facet.field)
        if isinstance(value, tuple):
            return value
        return (value,) if value else ()


@dataclass(frozen=True, slots=True)
class FacetField:
    """A facet: its URL parameter and JSON name, its label, and the index field of its values."""

    name: str  # URL parameter and JSON key: "person"
    label: str  # the sidebar's heading: "People"
    field: str  # the index field of its values, and the Article attribute unless derived
    name_keys: bool = False  # spellings of one name merge (Bilash / Bilashuly)


@dataclass(frozen=True, slots=True)
class QueryField:
    """A field a user may name in a query (`person:Bilash`) and the index field it searches."""

    name: str
    index_field: str
    analysis: Analysis
    attribute: str  # the Article attribute (or facet) whose text the index field holds


# In display order.
FACETS: tuple[FacetField, ...] = (
    FacetField("source", "Source", "source"),
    FacetField("section", "Section", "section"),
    FacetField("person", "People", "people", name_keys=True),
    FacetField("organization", "Organizations", "organizations", name_keys=True),
    FacetField("place", "Places", "places", name_keys=True),
    FacetField("year", "Year", "year"),
    FacetField("month", "Month", "month"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
FACET_NAMES = tuple(facet.name for facet in FACETS)

# The fields a bare word searches, each scored by BM25F (search/ranking.py weights them).
TEXT_FIELDS = ("title", "body", "caption")
QUERY_FIELDS: dict[str, QueryField] = {
    field.name: field
    for field in (
        QueryField("title", "title", "text", "title"),
        QueryField("body", "body", "text", "body"),
        QueryField("caption", "caption", "text", "caption"),
        QueryField("person", "person", "names", "people"),
        QueryField("organization", "organization", "names", "organizations"),
        QueryField("place", "place", "names", "places"),
        QueryField("source", "source_name", "exact", "source"),
        # Keyword fields search a facet's values as they are.
        QueryField("section", "section", "keyword", "section"),
        QueryField("year", "year", "keyword", "year"),
    )
}
# The index field holding the name keys of every proper name in title, caption and body: a
# bare word also matches the other romanizations of a name there.
NAMES_FIELD = "names"
# The index field of folded, unstemmed words: exact spellings and "did you mean".
EXACT_FIELD = "exact"


def group_key(facet: FacetField, value: str) -> str:
    """Returns the key under which spellings of one facet value merge (names by name key)."""
    if not facet.name_keys:
        return value
    parts = []
    for token in value.split():
        key = name_key(token) if token[:1].isupper() else ""
        parts.append(key or token.lower())
    return " ".join(parts)


def day_number(day: date | None) -> int:
    """Returns a date as the integer YYYYMMDD (a sortable column), 0 for no date."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0
