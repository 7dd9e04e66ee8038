"""Tests for indexer.extract.html: decoding, metadata, chrome removal and multi-post pages."""

from __future__ import annotations

import codecs
import datetime
import json
import random
from pathlib import Path
from typing import Any

import pytest

from indexer.extract.decoding import decode
from indexer.extract.html import HtmlDocument, parse_html

DATA = Path(__file__).parent / "data" / "html"
EXPECTED: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text("utf-8"))
PAGES = sorted(EXPECTED)


def _parse(name: str) -> HtmlDocument:
    """Returns the parsed test page, decoded from its bytes as the indexer would."""
    text, _ = decode((DATA / name).read_bytes(), markup=True)
    return parse_html(text, url=EXPECTED[name]["fetched_from"])


def _body(document: HtmlDocument) -> str:
    """Returns every post's paragraphs as one text, the way the benchmark reads them."""
    return "\n\n".join("\n\n".join(post.paragraphs) for post in document.posts)


def _as_json(value: Any) -> Any:
    """Returns dates as ISO strings so they compare with expected.json."""
    return value.isoformat() if isinstance(value, datetime.date) else value


def test_every_page_has_expectations() -> None:
    assert sorted(p.name for p in DATA.glob("*.html")) == PAGES


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_kept_text(name: str) -> None:
    body = _body(_parse(name))
    for snippet in EXPECTED[name]["with"]:
        assert snippet in body


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_dropped_text(name: str) -> None:
    body = _body(_parse(name))
    for snippet in EXPECTED[name]["without"]:
        assert snippet not in body


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_metadata(name: str) -> None:
    document = _parse(name)
    for field, value in EXPECTED[name]["meta"].items():
        assert _as_json(getattr(document, field)) == value, field


@pytest.mark.parametrize("name", PAGES, ids=PAGES)
def test_posts(name: str) -> None:
    posts = _parse(name).posts
    expected = EXPECTED[name]["posts"]
    assert len(posts) == len(expected)
    for post, want in zip(posts, expected, strict=True):
        for field in ("title", "caption", "published", "url"):
            if field in want:
                assert _as_json(getattr(post, field)) == want[field], field
        for snippet in want.get("with", []):
            assert snippet in "\n".join(post.paragraphs)
        if post.caption:
            assert all(post.caption not in paragraph for paragraph in post.paragraphs)
        assert all(paragraph == " ".join(paragraph.split()) for paragraph in post.paragraphs)


CHARSET_PAGES = [name for name in PAGES if "charset" in EXPECTED[name]]


@pytest.mark.parametrize("name", CHARSET_PAGES, ids=CHARSET_PAGES)
def test_decode_html_charset(name: str) -> None:
    text, charset = decode((DATA / name).read_bytes(), markup=True)
    assert charset == EXPECTED[name]["charset"]
    assert EXPECTED[name]["with"][0] in text


BOM_CASES = [
    (codecs.BOM_UTF8 + "<p>Ünïcode</p>".encode(), "utf-8"),
    (codecs.BOM_UTF16_LE + "<p>Ünïcode</p>".encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + "<p>Ünïcode</p>".encode("utf-16-be"), "utf-16-be"),
]


@pytest.mark.parametrize(("data", "charset"), BOM_CASES, ids=["utf-8", "utf-16-le", "utf-16-be"])
def test_decode_html_bom_wins(data: bytes, charset: str) -> None:
    assert decode(data, markup=True) == ("<p>Ünïcode</p>", charset)


def test_decode_html_stale_single_byte_declaration() -> None:
    data = '<meta charset="iso-8859-1"><p>Menschenrechtsrat verlängert</p>'.encode()
    assert decode(data, markup=True) == (data.decode("utf-8"), "utf-8")


def test_decode_html_declared_utf8_with_latin1_bytes() -> None:
    data = '<meta charset="utf-8"><p>Défenseurs des droits humains arrêtés à Paris</p>'
    assert decode(data.encode("latin-1"), markup=True) == (data, "cp1252")


BAD_BYTES = {
    "empty": b"",
    "random": random.Random(7).randbytes(4096),
    "nul": b"\x00" * 512,
    "truncated-utf8": "<p>Правозащитный".encode()[:-1],
    "bad-label": b'<meta charset="no-such-charset"><p>text</p>',
}


@pytest.mark.parametrize("data", BAD_BYTES.values(), ids=BAD_BYTES.keys())
def test_decode_html_never_raises(data: bytes) -> None:
    text, charset = decode(data, markup=True)
    assert isinstance(text, str)
    assert codecs.lookup(charset)


GARBAGE = {
    "empty": "",
    "blank": "   \n\t ",
    "plain-text": "Just a sentence with no markup at all, long enough to have words.",
    "lone-bracket": "<",
    "truncated-tag": "<html><body><p class=",
    "truncated-page": "<html><head><title>Cut</title></head><body><div><p>Only",
    "binary": decode(random.Random(3).randbytes(8192), markup=True)[0],
    "nul-bytes": "\x00\x01\x02<html>\x00</html>",
    "deep-nesting": "<div>" * 3000,
    "bad-json-ld": '<script type="application/ld+json">{"@graph": [</script><p>x</p>',
    "only-chrome": "<nav><a href='/'>Home</a></nav><footer>Copyright</footer>",
}


@pytest.mark.parametrize("html", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_gives_no_posts(html: str) -> None:
    document = parse_html(html)
    assert isinstance(document, HtmlDocument)
    assert document.posts == ()


def test_date_is_never_invented() -> None:
    html = (
        "<html><body><article><h1>Undated Report On Prison Conditions</h1>"
        "<p>The report describes overcrowding in three facilities visited in the spring, "
        "where inmates slept in shifts and had no access to daylight for weeks.</p>"
        "<p>Officials did not respond to written questions sent before publication.</p>"
        "</article></body></html>"
    )
    document = parse_html(html)
    assert document.published is None
    assert document.posts[0].published is None


def test_live_blog_updates_from_json_ld() -> None:
    updates = [
        {
            "@type": "BlogPosting",
            "headline": f"Update {n}",
            "articleBody": f"Update number {n} reports new detentions in the capital today.",
            "datePublished": f"2022-03-0{n}T10:00:00Z",
        }
        for n in (1, 2)
    ]
    ld = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    html = f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
    html += "<body><h1>Live: Protests</h1><p>Follow our coverage.</p></body></html>"
    posts = parse_html(html).posts
    assert [post.title for post in posts] == ["Update 1", "Update 2"]
    assert posts[1].published == datetime.date(2022, 3, 2)


def test_xhtml_prolog_parses_without_warnings() -> None:
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="uk"><head><title>T</title></head>'
        "<body><p>Правозахисники повідомили про нові затримання активістів у місті.</p>"
        "<p>Поліція не коментує ці повідомлення і не відповідає на запити журналістів.</p>"
        "</body></html>"
    )
    document = parse_html(html)
    assert document.language == "uk"
    assert "Правозахисники повідомили" in _body(document)


def test_a_sidebar_date_is_not_the_articles() -> None:
    prose = "Police detained two journalists in Minsk on Monday, their editor said. " * 6
    html = (
        "<html><head><title>Journalists detained</title></head><body>"
        "<main><h1>Journalists detained</h1><p>" + prose + "</p><p>" + prose + "</p></main>"
        '<aside><h2>Most read</h2><ul><li><a href="/x">Election results</a>'
        '<time datetime="2024-05-02">2 May 2024</time></li></ul></aside>'
        "</body></html>"
    )
    document = parse_html(html)
    assert document.published is None
    assert all(post.published is None for post in document.posts)
