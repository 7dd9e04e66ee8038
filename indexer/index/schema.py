"""The Whoosh schema and the document codec, both made from the catalogue: an article is
stored once, as the catalogue's JSON, and indexed in the fields the catalogue declares."""

from __future__ import annotations

from typing import Any

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from analysis.whoosh_adapter import exact_analyzer, name_key_analyzer, text_analyzer
from catalogue import EXACT_FIELD, FACETS, NAMES_FIELD, QUERY_FIELDS, Article, day_number
from indexer.index import mapped_files

# Every process that opens the index imports the schema: segment files are then read in place.
mapped_files.install()

# Bumped whenever the schema or the analysis changes. The build's manifest records it, and
# `python -m indexer build --if-outdated` (scripts/serve.sh) rebuilds an index of another one.
# 4: British spellings indexed as American ones.
# 5: one text analysis (analysis/, run by analysis.whoosh_adapter), Snowball 3 stems (PyStemmer);
#    the fields made from the catalogue, the article stored once as its JSON.
# 6: each article's digest as a column (what an update compares with the corpus).
SCHEMA_VERSION = 6
# A facet's values are joined with this in their field; names never contain it.
VALUE_SEPARATOR = "|"
# The stored field holding the article as the catalogue's codec writes it: the one copy.
ARTICLE_FIELD = "article"
# The digest of the article as written (indexer.index.update): a column, read for every article
# when an update compares the index with the corpus.
DIGEST_FIELD = "digest"
_ANALYSED = {"names": name_key_analyzer, "exact": exact_analyzer}


def _values_field() -> TEXT:
    """Returns a field holding whole values as terms ("Serikzhan Bilash"), case kept."""
    return TEXT(analyzer=RegexTokenizer(r"[^|]+"), phrase=False)


def build_schema(settings: TextSettings = DEFAULT_SETTINGS) -> Schema:
    """Returns the schema of a Lantern index, its fields from the catalogue; settings vary the
    title/body analysis."""
    fields: dict[str, Any] = {
        # A column too: a page of hits to rank needs their ids, not their stored articles.
        "id": ID(stored=True, unique=True, sortable=True),
        ARTICLE_FIELD: STORED,
        DIGEST_FIELD: ID(sortable=True),
        # Unstemmed words of title and body: exact spellings, and "did you mean" draws its
        # corrections from them (stems would suggest "matchli").
        EXACT_FIELD: TEXT(analyzer=exact_analyzer(), phrase=False, spelling=True),
        # Name keys of the proper names in title, caption and body (romanization variants).
        NAMES_FIELD: TEXT(analyzer=name_key_analyzer(), phrase=True),
        # YYYYMMDD, 0 when the page gives no date: a sortable column.
        "pubdate": NUMERIC(int, bits=32, sortable=True, signed=False),
    }
    for facet in FACETS:
        fields[facet.field] = _values_field()
    for query_field in QUERY_FIELDS.values():
        if query_field.index_field in fields:
            continue  # keyword fields search a facet's values
        if query_field.analysis == "text":
            analyzer = text_analyzer(settings)
        else:
            analyzer = _ANALYSED[query_field.analysis]()
        fields[query_field.index_field] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)


def to_document(article: Article, digest: str) -> dict[str, Any]:
    """Returns the Whoosh document for an article and the digest it is written with."""
    day = article.published
    document: dict[str, Any] = {
        "id": article.id,
        DIGEST_FIELD: digest,
        ARTICLE_FIELD: article.to_json(),
        EXACT_FIELD: f"{article.title}\n{article.body}",
        NAMES_FIELD: f"{article.title}\n{article.caption or ''}\n{article.body}",
        "pubdate": day_number(day),
    }
    for facet in FACETS:
        document[facet.field] = VALUE_SEPARATOR.join(article.facet_values(facet)) or None
    for query_field in QUERY_FIELDS.values():
        if query_field.index_field not in document:
            document[query_field.index_field] = "\n".join(_texts(article, query_field.attribute))
    return document


def _texts(article: Article, attribute: str) -> tuple[str, ...]:
    value = getattr(article, attribute)
    if isinstance(value, tuple):
        return value
    return (value,) if value else ()


def from_stored(fields: dict[str, Any]) -> Article:
    """Returns the Article a document's stored fields hold."""
    return Article.from_json(fields[ARTICLE_FIELD])
