"""Every hit of a search, streamed: /api/search.csv, /api/search.jsonl and /search.atom."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, current_app, stream_with_context, url_for

from catalogue import Article
from search.engine import iter_hits, run_search
from search.params import parse_search_request
from views import schemas
from views.api import article_summary
from views.common import backend, query_string, request_args

export = Blueprint("export", __name__)

CSV_COLUMNS = (
    "id",
    "title",
    "published",
    "source",
    "section",
    "dateline",
    "url",
    "page_url",
    "people",
    "organizations",
    "places",
    "score",
)
# Entries of a search's Atom feed: the newest hits.
FEED_ENTRIES = 50


def _hits() -> Iterator[tuple[Article, float]]:
    return iter_hits(backend(), parse_search_request(request_args()))


# A cell a spreadsheet would read as a formula ("=HYPERLINK(...)"): it gets a leading quote,
# as OWASP's advice on CSV injection has it, so that it shows as the text it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(article: Article, score: float) -> dict[str, Any]:
    data = schemas.dump(article_summary(article, external=True))
    row = {
        **{k: data[k] for k in CSV_COLUMNS if k in data},
        "people": "; ".join(article.people),
        "organizations": "; ".join(article.organizations),
        "places": "; ".join(article.places),
        "score": round(score, 4),
    }
    return {k: _cell(v) for k, v in row.items()}


@export.get("/api/search.csv")
def search_csv() -> Response:
    """Streams every hit of the search as CSV: a row per article, its metadata and URLs."""
    hits = _hits()  # parameters are checked here, before the first byte is sent

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for article, score in hits:
            writer.writerow(_row(article, score))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return _download(rows(), "text/csv", "lantern-search.csv")


@export.get("/api/search.jsonl")
def search_jsonl() -> Response:
    """Streams every hit of the search as JSON Lines: the article without its body, per line."""
    hits = _hits()

    def lines() -> Iterator[str]:
        for article, score in hits:
            data = {
                **schemas.dump(article_summary(article, external=True)),
                "score": round(score, 4),
            }
            yield json.dumps(data, ensure_ascii=False) + "\n"

    return _download(lines(), "application/x-ndjson", "lantern-search.jsonl")


def _download(body: Iterator[str], mimetype: str, filename: str) -> Response:
    # The rows are made as they are sent, inside the request (its URLs, its index view).
    response = current_app.response_class(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@export.get("/search.atom")
def search_atom() -> Response:
    """Returns the search's newest hits as an Atom feed."""
    args = request_args()
    args.update({"sort": ["newest"], "page": ["1"], "per_page": [str(FEED_ENTRIES)]})
    page = run_search(backend(), parse_search_request(args))
    search = page.request
    params = [(k, v) for k, v in search.to_params() if k not in ("sort", "per_page")]
    html_url = url_for("pages.search", _external=True) + query_string(params)
    feed_url = url_for("export.search_atom", _external=True) + query_string(params)
    title = f"{current_app.config['SITE_NAME']}: {search.q or 'every article'}"
    newest = max((h.article.published for h in page.hits if h.article.published), default=None)
    updated = _stamp(newest)
    entries = []
    for hit in page.hits:
        article = hit.article
        link = url_for("pages.article", article_id=article.id, _external=True)
        summary = " … ".join(str(s) for s in hit.snippets)
        entries.append(
            "<entry>"
            f"<id>{escape(link)}</id>"
            f"<title>{escape(article.title)}</title>"
            f'<link rel="alternate" href={quoteattr(link)}/>'
            f"<updated>{_stamp(article.published)}</updated>"
            + (f"<author><name>{escape(article.source)}</name></author>" if article.source else "")
            + f'<summary type="html">{escape(summary)}</summary>'
            "</entry>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(feed_url)}</id>"
        f"<title>{escape(title)}</title>"
        f'<link rel="self" href={quoteattr(feed_url)}/>'
        f'<link rel="alternate" type="text/html" href={quoteattr(html_url)}/>'
        f"<author><name>{escape(current_app.config['SITE_NAME'])}</name></author>"
        f"<updated>{updated}</updated>" + "".join(entries) + "</feed>\n"
    )
    return current_app.response_class(feed, mimetype="application/atom+xml")


def _stamp(day: date | None) -> str:
    """Returns an Atom date-time for a publication date (undated: the Unix epoch, which Atom
    requires something for and no reader shows as news)."""
    if day is None:
        return "1970-01-01T00:00:00Z"
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
