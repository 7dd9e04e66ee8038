"""Hand-made text dumps with chrome the samples lack: what must be kept and what dropped."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from catalogue import Article
from indexer.extract.chrome import strip_chrome
from indexer.extract.pipeline import ExtractionReport, extract_corpus
from indexer.extract.text import to_lines
from tests.paths import DATA

TEXT = DATA / "text"
EXPECTED: dict[str, Any] = json.loads((TEXT / "expected.json").read_text(encoding="utf-8"))
PAGES = sorted(EXPECTED["pages"])


@cache
def corpus_articles() -> dict[str, tuple[Article, ...]]:
    """Extracts the folder as a build does, so that recurring site chrome is learned."""
    by_file: dict[str, list[Article]] = {}
    report = ExtractionReport()
    for article in extract_corpus(TEXT, report):
        by_file.setdefault(article.source_file, []).append(article)
    assert report.skipped == []
    return {name: tuple(found) for name, found in by_file.items()}


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_kept_and_dropped(name: str) -> None:
    gold = EXPECTED["pages"][name]
    articles = corpus_articles()[name]
    assert len(articles) == gold["articles"]
    bodies = "\n\n".join(a.body for a in articles)
    for text in gold["keep"]:
        assert text in bodies, f"lost: {text!r}"
    for text in gold["drop"]:
        assert text not in bodies, f"chrome kept: {text!r}"
    for text in gold.get("once", []):
        assert bodies.count(text) == 1, f"teaser kept: {text!r}"


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_metadata(name: str) -> None:
    gold = EXPECTED["pages"][name]
    articles = corpus_articles()[name]
    if "captions" in gold:
        assert [a.caption for a in articles] == gold["captions"]
    if "datelines" in gold:
        assert [a.dateline for a in articles] == gold["datelines"]
    if "title" in gold:
        assert articles[0].title == gold["title"]
    if "published" in gold:
        assert articles[0].published == date.fromisoformat(gold["published"])
    if "source" in gold:
        assert {a.source for a in articles} == {gold["source"]}


def test_recurring_background_sentence_is_body_on_every_page() -> None:
    background = "Kazakhs are the second-largest Turkic-speaking indigenous community"
    pages = [f"site_page_{n}.txt" for n in (1, 2, 3)]
    for name in pages:
        assert background in corpus_articles()[name][0].body


def test_recurring_short_lines_alone_are_not_chrome() -> None:
    # On one page, an unknown short line is kept: only recurrence across a site makes it chrome.
    lines = to_lines(
        "Radio Azattyq Daily Briefing\n\nPolice detained a protester on Friday, witnesses said.\n"
    )
    assert strip_chrome(lines)[0].text == "Radio Azattyq Daily Briefing"


@pytest.mark.parametrize(
    "line",
    [
        "Skip to main content",
        "Skip to Search",
        "Load more",
        "See comments (12)",
        "Share this article",
        "0:00 0:01:05 0:00",
        "© 2023 Example Media. All rights reserved.",
        "Tags: Kyrgyzstan, media",
        "Print",
        "Picture: AFP",
        "Header image: Reuters/Pool",
        "With reporting by AP and Interfax",
    ],
    ids=[
        "skip",
        "skip-to-search",
        "load-more-above-the-body",
        "comments",
        "share",
        "timer",
        "copyright",
        "tags",
        "print",
        "picture",
        "header",
        "reporting",
    ],
)
def test_chrome_lines_are_recognised(line: str) -> None:
    page = f"{line}\n\nThe court sentenced the journalist to three years in prison on Monday, his lawyer said.\n"
    kept = [entry.text for entry in strip_chrome(to_lines(page))]
    assert kept == [
        "The court sentenced the journalist to three years in prison on Monday, his lawyer said."
    ]


def test_sidecar_supplies_what_the_page_lacks(tmp_path: Path) -> None:
    page = tmp_path / "report.txt"
    page.write_text(
        "Police detained two journalists in Minsk on Monday, their editor said.\n\n"
        "The journalists had covered a protest outside the court, the editor added.\n",
        encoding="utf-8",
    )
    (tmp_path / "report.json").write_text(
        json.dumps(
            {
                "url": "https://example.org/minsk",
                "title": "Journalists detained in Minsk",
                "published": "2021-02-15",
                "source": "Example Wire",
                "ignored": 1,
            }
        ),
        encoding="utf-8",
    )
    (article,) = extract_corpus(tmp_path, ExtractionReport())
    assert article.url == "https://example.org/minsk"
    assert article.title == "Journalists detained in Minsk"
    assert article.published == date(2021, 2, 15)
    assert article.source == "Example Wire"


def test_broken_sidecar_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text(
        "Police detained two journalists in Minsk on Monday, their editor said.\n", encoding="utf-8"
    )
    (tmp_path / "report.json").write_text("{not json", encoding="utf-8")
    (article,) = extract_corpus(tmp_path, ExtractionReport())
    assert article.url is None and article.title.startswith("Police detained")


def test_a_load_more_line_ends_the_article_only_after_it(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(
        "Load more\n\n"
        "Police detained two journalists in Minsk on Monday, their editor said.\n\n"
        "Load more\n\n"
        "About This Blog\n\n"
        "The blog follows press freedom across the region and is updated daily by our staff.\n",
        encoding="utf-8",
    )
    report = ExtractionReport()
    (article,) = extract_corpus(tmp_path, report)
    assert report.skipped == []
    assert article.body == "Police detained two journalists in Minsk on Monday, their editor said."


COURT_STORY = (
    "A court in Almaty sentenced the editor of an independent newspaper to two years in prison"
    " for spreading false information, his lawyer said on Monday.\n\n"
    "The editor had published an investigation into the sale of municipal land to relatives of"
    " regional officials, the lawyer said, and denied every charge against him.\n\n"
)
FLOOD_STORY = (
    "Heavy rains flooded dozens of villages along the river in the south of the country,"
    " forcing thousands of families to leave their homes for temporary shelters.\n\n"
    "Rescue workers used boats to reach residents trapped on rooftops, and the authorities"
    " declared a state of emergency in three districts.\n"
)


@pytest.mark.parametrize(
    ("middle", "posts"),
    [
        ("Flooded streets in a village near the river on Tuesday.\n\n", 2),
        ("The hearing lasted less than an hour.\n\n", 1),
    ],
    ids=["caption-between-unrelated-posts", "short-sentence-inside-a-story"],
)
def test_a_caption_naming_no_one_splits_only_at_a_topic_break(
    tmp_path: Path, middle: str, posts: int
) -> None:
    tail = FLOOD_STORY if posts == 2 else COURT_STORY.replace("Almaty", "Astana")
    (tmp_path / "page.txt").write_text(COURT_STORY + middle + tail, encoding="utf-8")
    articles = list(extract_corpus(tmp_path, ExtractionReport()))
    assert len(articles) == posts
    if posts == 2:
        assert articles[1].caption == middle.strip()
        assert articles[1].body.startswith("Heavy rains")


def test_a_cyrillic_page_gets_its_dateline_title_and_places(tmp_path: Path) -> None:
    page = DATA / "cyrillic" / "almaty_court_cp1251.txt"
    (tmp_path / page.name).write_bytes(page.read_bytes())
    (article,) = extract_corpus(tmp_path, ExtractionReport())
    assert article.dateline == "Алматы, Казахстан"
    assert article.title.startswith("Суд в Алматы приговорил")
    assert {"Алматы", "Казахстан"} <= set(article.places)


def test_a_page_past_its_time_budget_is_skipped_and_named(tmp_path: Path) -> None:
    paragraph = "Police detained two journalists in Minsk on Monday, their editor said.\n\n"
    (tmp_path / "small.txt").write_text(paragraph, encoding="utf-8")
    list(extract_corpus(tmp_path, ExtractionReport()))  # loads the gazetteers once
    # 7 MB of prose takes seconds to read; the small page, milliseconds.
    (tmp_path / "huge.txt").write_text(paragraph * 100_000, encoding="utf-8")
    report = ExtractionReport()
    articles = list(extract_corpus(tmp_path, report, page_seconds=0.5))
    assert [a.source_file for a in articles] == ["small.txt"]
    assert report.skipped == [("huge.txt", "extraction took longer than 0.5 s; skipped")]
