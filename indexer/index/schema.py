"""The Whoosh schema and to_document(article): the one place index field names live."""

from __future__ import annotations

from datetime import date
from typing import Any

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from analysis.whoosh_adapter import exact_analyzer, name_key_analyzer, text_analyzer
from catalogue import Article

# Bumped whenever the schema or the analysis changes. The build's manifest records it, and
# `python -m indexer build --if-outdated` (scripts/serve.sh) rebuilds an index of another one.
# 4: British spellings indexed as American ones.
# 5: one text analysis (analysis/, run by analysis.whoosh_adapter), Snowball 3 stems (PyStemmer).
SCHEMA_VERSION = 5
# Entity values are joined with this in their KEYWORD fields; names never contain it.
ENTITY_SEPARATOR = "|"  # matches the tokenizer of _entity_field


def _entity_field() -> TEXT:
    """Returns a field holding whole names as terms ("Serikzhan Bilash"), case kept."""
    return TEXT(analyzer=RegexTokenizer(r"[^|]+"), stored=True, phrase=False)


def build_schema(settings: TextSettings = DEFAULT_SETTINGS) -> Schema:
    """Returns the schema of a Lantern index; settings vary its title/body analysis."""
    text = text_analyzer(settings)
    names = name_key_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        source_file=ID(stored=True),
        title=TEXT(stored=True, analyzer=text, field_boost=1.0),
        body=TEXT(stored=True, analyzer=text, phrase=True),
        caption=TEXT(stored=True, analyzer=text),
        # Unstemmed words of title and body: exact spellings rank above stems and variants, and
        # "did you mean" draws its corrections from them (stems would suggest "matchli").
        exact=TEXT(analyzer=exact_analyzer(), phrase=False, spelling=True),
        # Name keys of the proper names in title, caption and body (romanization variants).
        names=TEXT(analyzer=names, phrase=True),
        published=STORED,
        # YYYYMMDD, 0 when the page gives no date: a sortable column.
        pubdate=NUMERIC(int, bits=32, sortable=True, signed=False),
        # 1 when undated, so that "oldest first" can still put undated articles last.
        undated=NUMERIC(int, bits=8, sortable=True, signed=False),
        year=ID,
        month=ID,
        source=ID(stored=True),
        section=ID(stored=True),
        dateline=STORED,
        url=STORED,
        # What `person:`, `organization:`, `place:` and `source:` search: name keys, so that
        # person:Bilash finds Serikzhan Bilashuly too.
        person=TEXT(analyzer=names, phrase=True),
        organization=TEXT(analyzer=names, phrase=True),
        place=TEXT(analyzer=names, phrase=True),
        source_name=TEXT(analyzer=exact_analyzer(), phrase=True),
        people=_entity_field(),
        organizations=_entity_field(),
        places=_entity_field(),
        seen_on=STORED,
    )


def day_number(day: date | None) -> int:
    """Returns a date as the integer YYYYMMDD (the pubdate column), 0 for no date."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def to_document(article: Article) -> dict[str, Any]:
    """Returns the Whoosh document for an article."""
    day = article.published
    words_text = f"{article.title}\n{article.body}"
    return {
        "id": article.id,
        "source_file": article.source_file,
        "title": article.title,
        "body": article.body,
        "caption": article.caption or "",
        "exact": words_text,
        "names": f"{article.title}\n{article.caption or ''}\n{article.body}",
        "published": day.isoformat() if day else None,
        "pubdate": day_number(day),
        "undated": 0 if day else 1,
        "year": str(day.year) if day else None,
        "month": f"{day.year:04d}-{day.month:02d}" if day else None,
        "source": article.source,
        "section": article.section,
        "dateline": article.dateline,
        "url": article.url,
        "person": "\n".join(article.people),
        "organization": "\n".join(article.organizations),
        "place": "\n".join(article.places),
        "source_name": article.source or "",
        "people": ENTITY_SEPARATOR.join(article.people) or None,
        "organizations": ENTITY_SEPARATOR.join(article.organizations) or None,
        "places": ENTITY_SEPARATOR.join(article.places) or None,
        "seen_on": list(article.seen_on),
    }


def from_stored(fields: dict[str, Any]) -> Article:
    """Returns the Article a document's stored fields describe."""
    published = fields.get("published")

    def names(key: str) -> tuple[str, ...]:
        value = fields.get(key) or ""
        return tuple(v for v in value.split(ENTITY_SEPARATOR) if v)

    return Article(
        id=fields["id"],
        source_file=fields.get("source_file", ""),
        title=fields.get("title", ""),
        body=fields.get("body", ""),
        published=date.fromisoformat(published) if published else None,
        source=fields.get("source"),
        section=fields.get("section"),
        dateline=fields.get("dateline"),
        url=fields.get("url"),
        caption=fields.get("caption") or None,
        people=names("people"),
        organizations=names("organizations"),
        places=names("places"),
        seen_on=tuple(fields.get("seen_on") or ()),
    )
