"""The HTML pages: the search page and the article page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from views.common import article_page, query_string, search_page

pages = Blueprint("pages", __name__)


@pages.get("/")
@pages.get("/search")
def search() -> Any:
    """Renders the search page: box, results with snippets, facets, pagination."""
    page = search_page()
    return render_template("search.html", page=page, qs=query_string)


@pages.get("/articles/<article_id>")
def article(article_id: str) -> Any:
    """Renders one article with the query's words highlighted."""
    return render_template("article.html", page=article_page(article_id), qs=query_string)
