"""The API's responses as typed models: the views build their JSON from these, and the OpenAPI
document (views/openapi.py) describes them from the same classes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class Job(_Model):
    """An index update started over the API: how far it is, then how it ended."""

    id: str
    url: str = Field(description="this status, to poll until `state` is no longer running")
    state: Literal["running", "succeeded", "failed"]
    stage: str | None = Field(
        description="listing, reading, merging, writing, concepts, done; null until it starts"
    )
    files_done: int | None = Field(description="files read so far in this update")
    files_total: int | None = Field(description="files this update reads (new and changed)")
    articles: int | None = Field(description="articles extracted so far")
    errors: int | None = Field(description="pages skipped so far")
    eta_seconds: float | None = Field(description="while reading: seconds left at the rate so far")
    started_at: str | None = Field(description="ISO 8601, UTC")
    finished_at: str | None = Field(description="ISO 8601, UTC")
    report: dict[str, Any] | None = Field(
        description="on success, the update's report: mode, files, files_read, files_removed,"
        " pages_read, articles_indexed, added, updated, deleted, duplicates, skipped,"
        " generation, seconds"
    )
    error: str | None = Field(description="on failure, why")


class JobAccepted(_Model):
    """An update started: poll `job.url` (the Location header) for its progress."""

    job: Job


class ArticleAccepted(_Model):
    """A page saved into the corpus, and the update that indexes it."""

    path: str = Field(description="where it was saved in the corpus (uploads/...)")
    job: Job | None = Field(
        description="the update that indexes it (a running one runs again for it); null when"
        " an update started elsewhere (the command line, watch) holds the index: the next"
        " update indexes it"
    )


class ArticleRecord(_Model):
    """One article sent as JSON: saved as a line of a JSON Lines file (README, "Adding
    articles"). `body` (plain text, paragraphs separated by a blank line) or `html` is needed."""

    id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{1,200}$",
        description="the article's id (else one is made from the file's name)",
    )
    title: str = Field(min_length=1)
    body: str | None = None
    html: str | None = None
    published: str | None = Field(default=None, description="YYYY-MM-DD")
    source: str | None = Field(default=None, description="the publisher")
    section: str | None = None
    url: str | None = Field(default=None, description="the original page")

    @model_validator(mode="after")
    def _has_text(self) -> ArticleRecord:
        if not ((self.body or "").strip() or (self.html or "").strip()):
            raise ValueError("the record needs its text: a body or html")
        return self


class ReindexRequest(_Model):
    """What POST /api/reindex may be sent (or `full` as a query parameter)."""

    full: bool = Field(default=False, description="read every page again, not only changes")


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
