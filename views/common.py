"""What the HTML and JSON views share: the request's SearchPage and URL helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request

from search.backend import Backend, BackendSource
from search.engine import facet_values, get_article, run_search
from search.models import ArticlePage, Facet, SearchPage, SearchRequest
from search.params import (
    check_encoding,
    parse_facet_page,
    parse_facet_prefix,
    parse_search_request,
)


def backend() -> Backend:
    """Returns the worker's current view of the index."""
    source: BackendSource = current_app.extensions["lantern.backend"]
    return source.current()


def request_args() -> dict[str, list[str]]:
    """Returns the request's parameters, each with its values in order.

    Raises:
        BadRequest: a parameter is not UTF-8 once percent-decoded.
    """
    check_encoding(request.query_string)
    return request.args.to_dict(flat=False)


def search_page() -> SearchPage:
    """Returns the SearchPage for the current request's parameters."""
    search_request = parse_search_request(request_args())
    return run_search(backend(), search_request)


@dataclass(frozen=True, slots=True)
class FacetPage:
    """One page of a facet's values, and the request it was counted for."""

    request: SearchRequest
    facet: Facet
    prefix: str
    page: int


def facet_page(name: str) -> FacetPage:
    """Returns the page of facet values the current request asks for."""
    args = request_args()
    search_request = parse_search_request(args)
    prefix = parse_facet_prefix(args)
    page = parse_facet_page(args)
    facet = facet_values(backend(), search_request, name, prefix=prefix, page=page)
    return FacetPage(search_request, facet, prefix, page)


def article_page(article_id: str) -> tuple[ArticlePage, SearchRequest]:
    """Returns the article page for an id, highlighted for the request's `q`, and the search it
    was opened from (its parameters ride along, so that "back to results" returns to it)."""
    search_request = parse_search_request(request_args())
    return get_article(backend(), article_id, search_request.q), search_request


def query_string(params: Iterable[tuple[str, Any]]) -> str:
    """Returns an URL query string ("?a=1&b=2"), or "" for no parameters."""
    encoded = urlencode([(k, str(v)) for k, v in params])
    return f"?{encoded}" if encoded else ""
