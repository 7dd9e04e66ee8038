"""Page: one crawled page, decoded, as the extraction stages receive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PageKind = Literal["text", "html", "record"]


@dataclass(frozen=True, slots=True)
class Page:
    """One crawled page, decoded.

    `path` is relative to the corpus root (POSIX separators) and names the page in ids and logs.
    `kind` is "text" for a plain-text dump, "html" for HTML, and "record" for one line of a
    JSON Lines file (then `record` holds the parsed object and `text` the raw line).
    `sidecar` holds what a user supplied beside the page (`page.json`); it wins over extraction.
    """

    path: str
    kind: PageKind
    text: str
    charset: str = "utf-8"
    sidecar: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    line: int = 0
