"""The JSON API: /api/search, /api/articles/<id>, /healthz."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, url_for

from catalogue import Article
from search.errors import IndexUnavailable
from search.models import Facet, SearchPage
from views import schemas
from views.citation import citation
from views.common import article_page, backend, facet_page, search_page

api = Blueprint("api", __name__)


def article_summary(article: Article, *, external: bool = False) -> schemas.ArticleSummary:
    """Returns an article as lists show it: the catalogue's codec (`url` is the original page)
    without the body, with `page_url`, the article's page here (absolute when `external`, as
    files downloaded from here need it)."""
    data = article.to_json()
    del data["body"]
    page_url = url_for("pages.article", article_id=article.id, _external=external)
    return schemas.ArticleSummary(**data, page_url=page_url)


def search_response(page: SearchPage) -> schemas.SearchResponse:
    """Returns a SearchPage as the API's response."""
    request = page.request
    return schemas.SearchResponse(
        query=request.q,
        total=page.total,
        page=request.page,
        per_page=request.per_page,
        pages=page.pages,
        sort=request.sort,
        match=request.match,
        reading=schemas.Reading(
            interpreted=page.reading.interpreted,
            relaxed=page.reading.relaxed,
            notes=list(page.reading.notes),
            suggestion=page.reading.suggestion,
        ),
        results=[
            schemas.Result(
                **article_summary(hit.article).model_dump(),
                score=round(hit.score, 4),
                snippet=" … ".join(str(s) for s in hit.snippets),
                snippets=[str(s) for s in hit.snippets],
            )
            for hit in page.hits
        ],
        facets={facet.name: listed_values(facet) for facet in page.facets},
        histogram=[schemas.MonthCount(month=m, count=n) for m, n in page.histogram],
    )


@api.get("/api/search")
def search() -> Any:
    """Returns search results as JSON."""
    return jsonify(schemas.dump(search_response(search_page())))


def listed_values(facet: Facet) -> list[schemas.FacetValue]:
    """Returns a facet's values as the API shows them (variants only where spellings merged)."""
    return [
        schemas.FacetValue(
            value=v.value, count=v.count, selected=v.selected, variants=list(v.variants)
        )
        if v.variants
        else schemas.FacetValue(value=v.value, count=v.count, selected=v.selected)
        for v in facet.values
    ]


@api.get("/api/facets/<name>")
def facet(name: str) -> Any:
    """Returns one page of a facet's values for the query, optionally those with a prefix."""
    page = facet_page(name)
    response = schemas.FacetPage(
        facet=page.facet.name,
        query=page.request.q,
        prefix=page.prefix,
        page=page.page,
        per_page=page.request.facet_limit,
        total_values=page.facet.total_values,
        values=listed_values(page.facet),
    )
    return jsonify(schemas.dump(response))


@api.get("/api/articles/<article_id>")
def article(article_id: str) -> Any:
    """Returns one article, its body and related articles as JSON."""
    page, _search = article_page(article_id)
    response = schemas.ArticleResponse(
        **article_summary(page.article).model_dump(),
        body=page.article.body,
        body_html=str(page.body_html),
        marks=page.marks,
        related=[article_summary(a) for a in page.related],
    )
    return jsonify(schemas.dump(response))


@api.get("/api/articles/<article_id>/citation")
def article_citation(article_id: str) -> Any:
    """Returns how to cite one article: plain text, BibTeX and CSL-JSON."""
    page, _search = article_page(article_id)
    permalink = url_for("pages.article", article_id=article_id, _external=True)
    cited = schemas.Citation(**citation(page.article, permalink, date.today()))
    return jsonify(schemas.dump(cited))


@api.get("/healthz")
def healthz() -> Any:
    """Returns 200 with the article count, or 503 when the index cannot be opened."""
    try:
        count = backend().article_count()
    except IndexUnavailable as err:
        health = schemas.Health(status="unavailable", message=str(err))
        return jsonify(schemas.dump(health)), 503
    return jsonify(schemas.dump(schemas.Health(status="ok", articles=count)))
