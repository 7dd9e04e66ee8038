"""A real gunicorn serving the index: queries over HTTP, and a rebuild seen without a restart."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.index.update import build_index
from tests.live import gunicorn, wait_until
from tests.paths import ROOT

pytestmark = pytest.mark.server


@pytest.fixture()
def server(corpus_copy: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    with gunicorn(index) as base:
        yield base, corpus_copy, index


def test_gunicorn_serves_search_and_sees_a_rebuild(server: tuple[str, Path, Path]) -> None:
    base, corpus, index = server
    with httpx.Client(base_url=base) as http:
        data = http.get("/api/search", params={"q": "Bilash"}).json()
        assert {"000_b6dae043be5a020e-2", "001_eace3fbab33ad4a8-1"} <= {
            r["id"] for r in data["results"]
        }
        assert http.get("/api/search", params={"q": '"Load more"'}).json()["total"] == 0
        page = http.get("/search", params={"q": "Almaty"}).text
        assert "<mark>Almaty</mark>" in page and 'class="count"' in page
        bad = http.get("/api/search", params={"q": "x", "page": "abc"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "page"
        assert http.get("/api/search", params={"q": "Zhanaozen"}).json()["total"] == 0

        (corpus / "new-report.txt").write_text(
            "Oil workers in Zhanaozen (file photo)\n\n"
            "ZHANAOZEN, Kazakhstan -- Oil workers in Zhanaozen marked the anniversary of the "
            "2011 strike on Thursday, activists said.\n\n"
            "Police detained two organizers of the gathering, the activists said.\n",
            encoding="utf-8",
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "indexer",
                "build",
                "--corpus",
                str(corpus),
                "--index",
                str(index),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

        def served_by_every_worker() -> bool:
            # Several requests, so that both workers answer at least once.
            return all(
                http.get("/api/search", params={"q": "Zhanaozen"}).json()["total"] == 1
                for _ in range(6)
            )

        wait_until(served_by_every_worker, "the rebuilt index to be served")
        assert http.get("/healthz").json()["articles"] == 10


@pytest.fixture(scope="module")
def served(index_dir: Path) -> Iterator[str]:
    with gunicorn(index_dir, workers=1) as base:
        yield base


def test_what_the_search_box_can_send_is_served(served: str) -> None:
    # The box takes 2,000 characters: in Cyrillic that is a 24 KB request line.
    q = ("Правозащитник " * 150)[:2000]
    response = httpx.get(f"{served}/api/search", params={"q": q}, timeout=30)
    assert response.status_code == 200
    assert response.json()["query"] == q.strip()
    assert httpx.get(f"{served}/search", params={"q": q}, timeout=30).status_code == 200


def test_an_over_long_request_line_is_a_json_error_under_the_api(served: str) -> None:
    response = httpx.get(f"{served}/api/search", params={"q": "x" * 40_000}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_long"


def test_the_favicon_is_served(served: str) -> None:
    response = httpx.get(f"{served}/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
