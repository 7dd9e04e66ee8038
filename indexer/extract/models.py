"""The values that flow between the indexer's stages: Page in, Article out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

PageKind = Literal["text", "html", "record"]


@dataclass(frozen=True, slots=True)
class Page:
    """One crawled page, decoded.

    `path` is relative to the corpus root (POSIX separators) and names the page in ids and logs.
    `kind` is "text" for a plain-text dump, "html" for HTML, and "record" for one line of a
    JSON Lines file (then `record` holds the parsed object and `text` the raw line).
    `sidecar` holds what a user supplied beside the page (`page.json`); it wins over extraction.
    """

    path: str
    kind: PageKind
    text: str
    charset: str = "utf-8"
    sidecar: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True, slots=True)
class Article:
    """One article, as indexed and as `python -m indexer extract` prints it."""

    id: str  # stable across rebuilds: source file + position, or the record's own id
    source_file: str
    title: str
    body: str  # plain text, paragraphs separated by "\n\n", no chrome
    published: date | None = None  # only when the page says so; never invented
    source: str | None = None  # publisher
    section: str | None = None
    dateline: str | None = None  # "Almaty, Kazakhstan"
    url: str | None = None
    caption: str | None = None  # the photo caption that opened the post; not part of the body
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    seen_on: tuple[str, ...] = ()  # other pages the same article was found on

    def to_json(self) -> dict[str, Any]:
        """Returns the article as the JSON object `indexer extract` prints (a stable shape)."""
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
        )
