"""The API's responses as typed models: the views build their JSON from these, and the OpenAPI
document (views/openapi.py) describes them from the same classes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleSummary(_Model):
    """An article as lists show it: the catalogue's article JSON without its body."""

    id: str
    source_file: str
    title: str
    published: str | None = Field(description="YYYY-MM-DD; only a date the page states")
    source: str | None
    section: str | None
    dateline: str | None
    url: str | None = Field(description="the original page")
    caption: str | None
    people: list[str]
    organizations: list[str]
    places: list[str]
    seen_on: list[str] = Field(description="other pages the article was found on")
    duplicates: list[str] = Field(description="ids of the copies merged into it")
    page_url: str = Field(description="the article's page here")


class Result(ArticleSummary):
    """One hit: the article, its score and its highlighted snippets (HTML, escaped)."""

    score: float
    snippet: str
    snippets: list[str]


class Reading(_Model):
    """How the query was read."""

    interpreted: str
    relaxed: bool = Field(description="no article held every word: any word was used")
    notes: list[str]
    suggestion: str | None


class FacetValue(_Model):
    """One value of a facet, counted over every hit."""

    value: str
    count: int
    selected: bool
    variants: list[str] | None = Field(default=None, description="other spellings merged in")


class MonthCount(_Model):
    month: str = Field(description="YYYY-MM")
    count: int


class SearchResponse(_Model):
    """A page of results, with facets and the monthly histogram over every hit."""

    query: str
    total: int
    page: int
    per_page: int
    pages: int
    sort: Literal["relevance", "newest", "oldest"]
    match: Literal["all", "any"]
    reading: Reading
    results: list[Result]
    facets: dict[str, list[FacetValue]]
    histogram: list[MonthCount]


class FacetPage(_Model):
    """One page of a facet's values for a search."""

    facet: str
    query: str
    prefix: str
    page: int
    per_page: int
    total_values: int
    values: list[FacetValue]


class ArticleResponse(ArticleSummary):
    """One article with its body, the body highlighted for `q`, and articles like it."""

    body: str
    body_html: str
    marks: int
    related: list[ArticleSummary]


class Citation(_Model):
    """How to cite an article."""

    permalink: str
    text: str
    bibtex: str
    csl: dict[str, Any] = Field(description="CSL-JSON")


class Health(_Model):
    status: Literal["ok", "unavailable"]
    articles: int | None = None
    message: str | None = None


class ErrorDetail(_Model):
    code: str
    message: str
    param: str | None = Field(default=None, description="the parameter at fault, for a 400")


class ErrorResponse(_Model):
    """Every error of the API has this shape."""

    error: ErrorDetail


def dump(model: BaseModel) -> dict[str, Any]:
    """Returns a model as the JSON object the API sends (unset optional keys left out)."""
    return model.model_dump(mode="json", exclude_unset=True)
