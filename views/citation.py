"""How to cite an article: plain text, BibTeX and CSL-JSON, with the day it was accessed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from catalogue import Article

_WEB = ("http://", "https://")

# LaTeX's special characters, as BibTeX needs them written in a field.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def citation(article: Article, permalink: str, accessed: date) -> dict[str, Any]:
    """Returns the article's citation as plain text, BibTeX and CSL-JSON. The original page is
    cited when the article has one; the permalink here otherwise."""
    # Only a web address is cited as the original page (never a javascript: or file: one).
    original = article.url if article.url and article.url.startswith(_WEB) else None
    url = original or permalink
    published = f"{_human(article.published)}." if article.published else "n.d."
    parts = [
        f"{article.source}." if article.source else "",
        f"“{article.title}.”",
        published,
        f"{url}.",
        f"Accessed {_human(accessed)}.",
    ]
    text = " ".join(p for p in parts if p)
    fields = {
        "title": _bibtex(article.title),
        "publisher": _bibtex(article.source) if article.source else None,
        "date": article.published.isoformat() if article.published else None,
        # biblatex reads urls verbatim; only braces, which end the field, are percent-encoded.
        "url": url.replace("{", "%7B").replace("}", "%7D"),
        "urldate": accessed.isoformat(),
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    key = re.sub(r"[^A-Za-z0-9]+", "-", article.id).strip("-")
    csl: dict[str, Any] = {
        "id": article.id,
        "type": "article-newspaper",
        "title": article.title,
        "URL": url,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
    }
    if article.source:
        csl["container-title"] = article.source
        csl["publisher"] = article.source
    if article.published:
        day = article.published
        csl["issued"] = {"date-parts": [[day.year, day.month, day.day]]}
    return {
        "permalink": permalink,
        "text": text,
        "bibtex": f"@misc{{{key},\n{body}\n}}",
        "csl": csl,
    }


def _human(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _bibtex(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m[0]], value)
