"""The search package's errors: a bad request names its parameter; a missing index its cure."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error the search package raises on purpose."""


class BadRequest(SearchError):
    """A request parameter has a value we cannot use."""

    def __init__(self, param: str, value: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.value = value
        self.message = message


class IndexUnavailable(SearchError):
    """The index cannot be opened: it was never built, or it is damaged."""

    BUILD_COMMAND = ".venv/bin/python -m indexer build"

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"the search index is not available ({reason}); build it with: {self.BUILD_COMMAND}"
        )
        self.reason = reason


class ArticleNotFound(SearchError):
    """No article has this id."""

    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r}")
        self.article_id = article_id
