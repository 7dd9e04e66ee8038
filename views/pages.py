"""The HTML pages: the search page and the article page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from views.citation import citation
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
    page, search = article_page(article_id)
    permalink = url_for("pages.article", article_id=article_id, _external=True)
    cite = citation(page.article, permalink, date.today())
    return render_template("article.html", page=page, search=search, cite=cite, qs=query_string)


@pages.get("/help")
def search_tips() -> Any:
    """Renders the search tips: the query language, filters, exports and the API."""
    return render_template("help.html")


@pages.get("/favicon.ico")
def favicon() -> Any:
    """Sends browsers that ask for /favicon.ico to the site's icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
