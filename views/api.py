"""The JSON API: /api/search, /api/articles/<id>, /healthz."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, url_for

from catalogue import Article
from search.errors import IndexUnavailable
from search.models import Facet, SearchPage
from views.citation import citation
from views.common import article_page, backend, facet_page, search_page

api = Blueprint("api", __name__)


def article_json(article: Article, *, body: bool) -> dict[str, Any]:
    """Returns an article as the API shows it: the catalogue's codec (`url` is the original
    page), with `page_url`, the article's page here; lists leave the body out."""
    data = article.to_json()
    if not body:
        del data["body"]
    data["page_url"] = url_for("pages.article", article_id=article.id)
    return data


def search_json(page: SearchPage) -> dict[str, Any]:
    """Returns a SearchPage as the API's JSON object."""
    request = page.request
    return {
        "query": request.q,
        "total": page.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": page.pages,
        "sort": request.sort,
        "match": request.match,
        "reading": {
            "interpreted": page.reading.interpreted,
            "relaxed": page.reading.relaxed,
            "notes": list(page.reading.notes),
            "suggestion": page.reading.suggestion,
        },
        "results": [
            {
                **article_json(hit.article, body=False),
                "score": round(hit.score, 4),
                "snippet": " … ".join(str(s) for s in hit.snippets),
                "snippets": [str(s) for s in hit.snippets],
            }
            for hit in page.hits
        ],
        "facets": {facet.name: facet_json(facet) for facet in page.facets},
        "histogram": [{"month": m, "count": n} for m, n in page.histogram],
    }


@api.get("/api/search")
def search() -> Any:
    """Returns search results as JSON."""
    return jsonify(search_json(search_page()))


def facet_json(facet: Facet) -> list[dict[str, Any]]:
    """Returns a facet's values as the API shows them."""
    return [
        {
            "value": v.value,
            "count": v.count,
            "selected": v.selected,
            **({"variants": list(v.variants)} if v.variants else {}),
        }
        for v in facet.values
    ]


@api.get("/api/facets/<name>")
def facet(name: str) -> Any:
    """Returns one page of a facet's values for the query, optionally those with a prefix."""
    page = facet_page(name)
    return jsonify(
        {
            "facet": page.facet.name,
            "query": page.request.q,
            "prefix": page.prefix,
            "page": page.page,
            "per_page": page.request.facet_limit,
            "total_values": page.facet.total_values,
            "values": facet_json(page.facet),
        }
    )


@api.get("/api/articles/<article_id>")
def article(article_id: str) -> Any:
    """Returns one article, its body and related articles as JSON."""
    page, _search = article_page(article_id)
    data = article_json(page.article, body=True)
    data["body_html"] = str(page.body_html)
    data["marks"] = page.marks
    data["related"] = [article_json(a, body=False) for a in page.related]
    return jsonify(data)


@api.get("/api/articles/<article_id>/citation")
def article_citation(article_id: str) -> Any:
    """Returns how to cite one article: plain text, BibTeX and CSL-JSON."""
    page, _search = article_page(article_id)
    permalink = url_for("pages.article", article_id=article_id, _external=True)
    return jsonify(citation(page.article, permalink, date.today()))


@api.get("/healthz")
def healthz() -> Any:
    """Returns 200 with the article count, or 503 when the index cannot be opened."""
    try:
        count = backend().article_count()
    except IndexUnavailable as err:
        return jsonify({"status": "unavailable", "message": str(err)}), 503
    return jsonify({"status": "ok", "articles": count})
