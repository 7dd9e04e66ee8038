"""The HTML pages: search box, highlighted snippets, facets, pagination, escaping."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from indexer.index.update import build_index

ARTICLE = "004_d6af8e314100ae0e-1"


def test_home_page_has_a_search_box(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<form class="searchbox" role="search"' in html
    assert '<input id="q" name="q" type="search"' in html
    assert "9 articles in the archive" in html


def test_search_page_highlights_and_counts(client: FlaskClient) -> None:
    response = client.get("/search?q=Almaty")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<mark>Almaty</mark>" in html
    assert re.search(
        r'<span class="facet-value">RFE/RL</span>\s*<span class="count">\d+</span>', html
    )
    assert 'value="Almaty"' in html  # the query stays in the box


def test_facet_links_toggle_filters(client: FlaskClient) -> None:
    html = client.get("/search?q=Kazakhstan").get_data(as_text=True)
    link = re.search(r'href="(/search\?q=Kazakhstan&amp;source=[^"]+)"', html)
    assert link
    filtered = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert 'aria-current="true"' in filtered
    assert "Filtered by:" in filtered


def test_pagination_links(client: FlaskClient) -> None:
    html = client.get("/search?q=&per_page=4").get_data(as_text=True)
    assert 'rel="next" href="/search?per_page=4&amp;page=2"' in html
    html2 = client.get("/search?q=&per_page=4&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html2 and 'aria-current="page">2<' in html2


def test_article_page_highlights_every_match(client: FlaskClient) -> None:
    html = client.get("/articles/004_d6af8e314100ae0e-1?q=Atajurt").get_data(as_text=True)
    assert "<h1>China&#39;s reeducation camps" in html
    assert html.count('<mark id="m') >= 4
    assert 'data-step="1"' in html


def test_bad_parameter_on_the_page_is_a_400_page(client: FlaskClient) -> None:
    response = client.get("/search?q=x&page=abc")
    assert response.status_code == 400
    assert "page must be a whole number" in response.get_data(as_text=True)


def test_corpus_text_is_escaped_highlights_included(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "markup.txt").write_text(
        "Press Releases\n\nScript & markup in a release\n\n"
        "The activists wrote <script>alert('x')</script> & <b>bold</b> claims about "
        "the camps in their statement on Monday.\n\n"
        "A second paragraph says the camps & prisons are run by <i>officials</i>.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    build_index(corpus, index)
    client = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    for path in ("/search?q=camps", "/articles/markup-1?q=camps"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(" in html
        assert re.search(r"<mark[^>]*>camps</mark>", html)
    data = client.get("/api/search?q=script").get_json()
    assert "&lt;<mark>script</mark>&gt;alert(" in data["results"][0]["snippet"]


@pytest.mark.parametrize(
    "path", ["/", "/search?q=camps", "/api/search?q=camps", "/no-such-page", "/healthz"]
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_repeated_request_is_answered_304_by_etag(client: FlaskClient) -> None:
    for path in ("/api/search?q=camps", "/search?q=camps", "/api/articles/" + ARTICLE):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    other = client.get("/api/search?q=Bilash")
    assert other.headers["ETag"] != client.get("/api/search?q=camps").headers["ETag"]


def test_responses_are_compressed_for_clients_that_accept_it(client: FlaskClient) -> None:
    response = client.get("/api/search?q=camps", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data).startswith(b"{")


def test_the_api_is_open_to_scripts_on_other_origins(client: FlaskClient) -> None:
    assert client.get("/api/search?q=camps").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/search?q=camps").headers
    with client.get("/static/lantern.css") as static:  # closes the file it sends
        assert "max-age=86400" in static.headers["Cache-Control"]


def test_an_article_can_be_cited(client: FlaskClient) -> None:
    data = client.get(f"/api/articles/{ARTICLE}/citation").get_json()
    assert data["permalink"] == f"http://localhost/articles/{ARTICLE}"
    assert data["text"].startswith("Society for Threatened Peoples. “China's reeducation camps")
    assert "11 March 2019." in data["text"] and "Accessed " in data["text"]
    assert data["bibtex"].startswith("@misc{004-d6af8e314100ae0e-1,")
    assert "date = {2019-03-11}" in data["bibtex"]
    assert data["csl"]["issued"] == {"date-parts": [[2019, 3, 11]]}
    assert data["csl"]["container-title"] == "Society for Threatened Peoples"
    page = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Cite this" in page and f"http://localhost/articles/{ARTICLE}" in page
    assert client.get("/api/articles/no-such-id/citation").status_code == 404


def test_a_citation_escapes_what_bibtex_would_read_as_commands() -> None:
    from datetime import date

    from catalogue import Article
    from views.citation import citation

    article = Article(
        id="x", source_file="x.txt", title="50% of {it} ~ \\ ^", body="", url="javascript:x()"
    )
    cited = citation(article, "http://localhost/articles/x", date(2026, 12, 2))
    assert "n.d. http://localhost/articles/x." in cited["text"]  # no date, no "n.d.."
    assert (
        r"title = {50\% of \{it\} \textasciitilde{} \textbackslash{} \textasciicircum{}}"
        in (cited["bibtex"])
    )
    assert "javascript" not in cited["bibtex"] and "javascript" not in cited["text"]
