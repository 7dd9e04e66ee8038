"""Every hit of a search as CSV and JSON Lines, and its newest as an Atom feed."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import feedparser
import pytest
from flask.testing import FlaskClient

from app import create_app
from indexer.index.update import build_index


def total(client: FlaskClient, **params: str) -> int:
    data = client.get("/api/search", query_string=params).get_json()
    return int(data["total"])


def test_csv_holds_every_hit_not_a_page(client: FlaskClient) -> None:
    response = client.get("/api/search.csv", query_string={"q": "camps", "per_page": "1"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total(client, q="camps") > 1
    first = rows[0]
    assert first["page_url"].endswith(f"/articles/{first['id']}")
    assert "Serikzhan Bilash" in {name for row in rows for name in row["people"].split("; ")}


def test_jsonl_follows_the_filters_and_order(client: FlaskClient) -> None:
    params = {"q": "", "person": "Serikzhan Bilash", "sort": "oldest"}
    response = client.get("/api/search.jsonl", query_string=params)
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == total(client, **params) > 1
    # Every spelling of him: STP writes "Serikzhan Bilashuly".
    assert all(any(p.startswith("Serikzhan Bilash") for p in r["people"]) for r in records)
    assert all("body" not in r for r in records)
    dates = [r["published"] for r in records if r["published"]]
    assert dates == sorted(dates)


@pytest.mark.parametrize("path", ["/api/search.csv", "/api/search.jsonl", "/search.atom"])
def test_exports_refuse_bad_parameters_as_json(client: FlaskClient, path: str) -> None:
    response = client.get(path, query_string={"q": "x", "from": "yesterday"})
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "from"


def test_the_feed_is_valid_atom_newest_first(client: FlaskClient) -> None:
    response = client.get("/search.atom", query_string={"q": "camps"})
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == total(client, q="camps")
    days = [e.updated for e in feed.entries]
    assert days == sorted(days, reverse=True)
    assert all(e.link.startswith("http://localhost/articles/") for e in feed.entries)


def test_the_page_links_its_feed_and_exports(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "camps"}).get_data(as_text=True)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*q=camps', page)
    assert "/api/search.csv?q=camps" in page and "/api/search.jsonl?q=camps" in page


def test_csv_cells_keep_commas_quotes_and_newlines_and_defuse_formulas(tmp_path: Path) -> None:
    records = [
        {
            "id": "wire-1",
            "title": '=HYPERLINK("http://example.com","click")',
            "body": "Police detained two journalists, their editor said, on Monday.",
            "source": 'Wire, "Daily"\nEdition',
        },
        {"id": "wire-2", "title": "-5 degrees in Astana", "body": "Police said it was cold."},
    ]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    build_index(tmp_path / "corpus", tmp_path / "index")
    client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
    text = client.get("/api/search.csv", query_string={"q": "police"}).get_data(as_text=True)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["wire-1"]["title"] == "'" + records[0]["title"]
    assert rows["wire-1"]["source"] == 'Wire, "Daily"\nEdition'
    assert rows["wire-2"]["title"] == "'-5 degrees in Astana"
