"""The extractor on every sample page: posts, chrome, kept paragraphs, metadata."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from catalogue import Article
from indexer.extract.loader import load_file
from indexer.extract.pipeline import extract_articles
from tests.paths import CORPUS, DATA

EXPECTED: dict[str, Any] = json.loads((DATA / "samples" / "expected.json").read_text())
PAGES = sorted(EXPECTED["pages"])
PROSE = re.compile(r"[.!?…][\"'”’)\]]*$")


@cache
def articles_of(name: str) -> tuple[Article, ...]:
    (page,) = load_file(CORPUS / name, CORPUS).pages
    return tuple(extract_articles(page))


def prose_lines(name: str) -> list[str]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if PROSE.search(ln.strip()) and len(ln.split()) >= 6]


def test_sample_corpus_has_nine_articles() -> None:
    assert sum(len(articles_of(name)) for name in PAGES) == 9
    assert sorted(p.name for p in Path(CORPUS).glob("*.txt")) == PAGES


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_posts_split_where_the_page_splits(name: str) -> None:
    expected = EXPECTED["pages"][name]["articles"]
    articles = articles_of(name)
    assert len(articles) == len(expected)
    for article, gold in zip(articles, expected, strict=True):
        assert article.caption == gold["caption"]
        assert article.body.startswith(gold["starts"])
        assert article.dateline == gold["dateline"]
        assert article.caption not in article.body.split("\n\n")


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_no_chrome_in_any_body(name: str) -> None:
    drop = EXPECTED["chrome"] + EXPECTED["pages"][name]["drop"]
    for article in articles_of(name):
        for text in drop:
            assert text not in article.body, f"{text!r} in {article.id}"
        paragraphs = article.body.split("\n\n")
        for widget in EXPECTED["font_widget"]:
            assert widget not in paragraphs
        assert all(p.strip() == p and p for p in paragraphs)


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_every_body_paragraph_kept(name: str) -> None:
    bodies = "\n\n".join(a.body for a in articles_of(name))
    drop = EXPECTED["pages"][name]["drop"] + EXPECTED["chrome"]
    kept = [ln for ln in prose_lines(name) if not any(d in ln for d in drop)]
    assert kept
    for line in kept:
        assert line in bodies, f"lost paragraph: {line[:80]!r}"
        assert bodies.count(line) == 1, f"paragraph repeated: {line[:80]!r}"


def test_press_release_metadata() -> None:
    (article,) = articles_of("004_d6af8e314100ae0e.txt")
    gold = EXPECTED["pages"]["004_d6af8e314100ae0e.txt"]["articles"][0]
    assert article.title == gold["title"]
    assert article.published == date.fromisoformat(gold["published"])
    assert article.source == gold["source"]
    assert article.section == gold["section"]
    # The teaser repeats the first paragraph and the image credit is glued to it: both gone.
    assert article.body.count("The Society for Threatened Peoples (STP) has called") == 1
    assert "Schedler" not in article.body


@pytest.mark.parametrize("name", PAGES[:4], ids=PAGES[:4])
def test_blog_posts_are_rferl_watchdog_without_dates(name: str) -> None:
    for article in articles_of(name):
        assert article.source == "RFE/RL"
        assert article.section == "Watchdog"
        # The pages print no publication date; none is invented.
        assert article.published is None


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_titles_come_from_the_headline_or_the_lede(name: str) -> None:
    golds = EXPECTED["pages"][name]["articles"]
    for article, gold in zip(articles_of(name), golds, strict=True):
        assert article.title
        assert article.title != article.caption
        assert len(article.title) <= 160
        if "title" in gold:
            assert article.title == gold["title"]
        else:
            words = article.title.rstrip(" …").split()
            assert " ".join(words[:4]) in article.body.split("\n\n")[0]


def test_ids_are_stable_and_unique() -> None:
    first = [a.id for name in PAGES for a in articles_of(name)]
    articles_of.cache_clear()
    second = [a.id for name in PAGES for a in articles_of(name)]
    assert first == second
    assert len(set(first)) == 9
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", i) for i in first)
