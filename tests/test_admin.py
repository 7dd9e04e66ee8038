"""The admin API through a real gunicorn: pages posted and the index updated over HTTP, by jobs
in processes of their own, behind a bearer token."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexer.extract.loader import MAX_PAGE_BYTES, list_corpus
from indexer.index.lock import build_lock, is_updating
from indexer.index.update import build_index
from indexer.jobs import KEEP_JOBS
from tests.live import gunicorn, wait_until
from tests.paths import CORPUS

pytestmark = pytest.mark.server

TOKEN = "test-admin-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class Site:
    base: str
    corpus: Path
    index: Path
    jobs: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Serves a copy of the sample corpus's index, with the admin token set, two workers."""
    root = tmp_path_factory.mktemp("admin")
    corpus, index = root / "corpus", root / "var" / "index"
    shutil.copytree(CORPUS, corpus)
    build_index(corpus, index)
    env = {"LANTERN_CORPUS": str(corpus), "LANTERN_ADMIN_TOKEN": TOKEN}
    with gunicorn(index, workers=2, env=env) as base:
        yield Site(base, corpus, index, root / "var" / "jobs")


@pytest.fixture()
def http(site: Site) -> Iterator[httpx.Client]:
    """A client of the site, once no update runs (each test starts from a quiet index)."""
    wait_until(lambda: not is_updating(site.index), "the last update to end")
    with httpx.Client(base_url=site.base, timeout=30) as client:
        yield client


def finished(http: httpx.Client, url: str) -> dict[str, Any]:
    """Polls a job's status until it is no longer running; returns it."""
    status: dict[str, Any] = {}

    def done() -> bool:
        nonlocal status
        response = http.get(url, headers=AUTH)
        assert response.status_code == 200, response.text
        status = response.json()
        return status["state"] != "running"

    wait_until(done, f"the job at {url} to finish")
    return status


def uploads(site: Site) -> set[str]:
    folder = site.corpus / "uploads"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def total(http: httpx.Client, query: str) -> int:
    response = http.get("/api/search", params={"q": query})
    assert response.status_code == 200
    return int(response.json()["total"])


# Off without a token --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenless(index_dir: Path) -> Iterator[str]:
    with gunicorn(index_dir, workers=1, env={"LANTERN_ADMIN_TOKEN": ""}) as base:
        yield base


@pytest.mark.parametrize("path", ["/api/reindex", "/api/articles"])
@pytest.mark.parametrize("headers", [{}, AUTH], ids=["no-header", "a-token"])
def test_without_a_configured_token_the_endpoints_are_off(
    tokenless: str, path: str, headers: dict[str, str]
) -> None:
    response = httpx.post(
        f"{tokenless}{path}", content=b"A page.", headers={**headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "LANTERN_ADMIN_TOKEN" in error["message"]


# Tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/reindex", "/api/articles"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Bearer {TOKEN}x", "Bearer", f"Basic {TOKEN}", TOKEN],
    ids=["none", "wrong", "longer", "empty", "basic", "no-scheme"],
)
def test_a_missing_or_wrong_token_is_401(
    site: Site, http: httpx.Client, path: str, authorization: str | None
) -> None:
    headers = {"Content-Type": "text/plain"}
    if authorization is not None:
        headers["Authorization"] = authorization
    before = uploads(site)
    response = http.post(path, content=b"Zyxwvut would be indexed.", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert uploads(site) == before
    assert not is_updating(site.index)


# Pages in, found by search --------------------------------------------------------------------

PAGES = {
    "html": (
        "text/html; charset=utf-8",
        b"<!doctype html><html><head><title>Quillbrook miners walk out</title></head><body>"
        b"<article><h1>Quillbrook miners walk out</h1>"
        b"<p>QUILLBROOK -- Miners in Quillbrook stopped work on Monday over unpaid wages, their"
        b" union said, and gathered outside the company's offices in the town centre.</p>"
        b"<p>Police watched the gathering, which ended peacefully by the evening.</p>"
        b"</article></body></html>",
        "Quillbrook",
    ),
    "text": (
        "text/plain; charset=utf-8",
        "Farmers protest in Vostrelkino\n\n"
        "VOSTRELKINO — Farmers in Vostrelkino blocked a road on Tuesday to protest the price "
        "of fuel, a local reporter said.\n\n"
        "The blockade was lifted in the afternoon after talks with officials.\n".encode(),
        "Vostrelkino",
    ),
    "json": (
        "application/json",
        json.dumps(
            {
                "id": "api-record-1",
                "title": "Court hears Marrowdale appeal",
                "body": "A court heard the appeal of the Marrowdale activists on Wednesday.\n\n"
                "Their lawyers asked for the charges to be dropped.",
                "published": "2024-05-01",
                "source": "Test Wire",
            }
        ).encode(),
        "Marrowdale",
    ),
}


@pytest.mark.parametrize("kind", PAGES)
def test_a_posted_page_is_indexed_by_a_job(site: Site, http: httpx.Client, kind: str) -> None:
    content_type, body, word = PAGES[kind]
    assert total(http, word) == 0
    response = http.post(
        "/api/articles", content=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    job = accepted["job"]
    assert job["state"] == "running"
    assert response.headers["Location"] == job["url"] == f"/api/jobs/{job['id']}"
    saved = site.corpus / accepted["path"]
    assert saved.parent == site.corpus / "uploads" and saved.is_file()

    status = finished(http, job["url"])
    assert status["state"] == "succeeded", status
    assert status["files_total"] >= 1 and status["files_done"] == status["files_total"]
    assert status["articles"] >= 1 and status["errors"] == 0
    assert status["report"]["added"] >= 1 and status["finished_at"]
    assert status["error"] is None
    wait_until(lambda: total(http, word) == 1, f"{word} to be found")


def test_a_record_keeps_its_id_and_fields(site: Site, http: httpx.Client) -> None:
    record = {
        "id": "api-record-2",
        "title": "Ombudsman visits Tarnholt prison",
        "html": "<p>The ombudsman visited the prison in Tarnholt on Friday.</p>",
        "published": "2024-06-07",
        "source": "Test Wire",
        "section": "Rights",
        "url": "https://example.org/tarnholt",
    }
    response = http.post("/api/articles", params={"name": "tarnholt"}, json=record, headers=AUTH)
    assert response.status_code == 202, response.text
    assert response.json()["path"] == "uploads/tarnholt.jsonl"
    saved = (site.corpus / "uploads" / "tarnholt.jsonl").read_text(encoding="utf-8")
    assert saved.count("\n") == 1 and json.loads(saved) == record
    assert finished(http, response.json()["job"]["url"])["state"] == "succeeded"
    article = http.get("/api/articles/api-record-2")
    assert article.status_code == 200
    data = article.json()
    assert {k: data[k] for k in ("title", "published", "source", "section", "url")} == {
        k: record[k] for k in ("title", "published", "source", "section", "url")
    }


def test_the_name_given_is_made_safe_and_replaces_the_page(site: Site, http: httpx.Client) -> None:
    page = b"Dock workers in Zentrovar went on strike on Friday, the Kelvarine union said.\n"
    response = http.post(
        "/api/articles",
        params={"name": "../../strike report"},
        content=page,
        headers={**AUTH, "Content-Type": "text/plain"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["path"] == "uploads/strike-report.txt"
    assert (site.corpus / "uploads" / "strike-report.txt").read_bytes() == page
    assert not (site.corpus.parent / "strike report").exists()
    assert finished(http, response.json()["job"]["url"])["state"] == "succeeded"
    assert total(http, "Kelvarine") == 1

    # At once, while the last job's process may still be ending.
    again = http.post(
        "/api/articles",
        params={"name": "strike-report.txt"},
        content=b"Harbour pilots in Zentrovar ended their walkout on Sunday, the Moltrassy union said.\n",
        headers={**AUTH, "Content-Type": "text/plain"},
    )
    assert again.json()["path"] == "uploads/strike-report.txt"
    assert finished(http, again.json()["job"]["url"])["state"] == "succeeded"
    assert total(http, "Moltrassy") == 1
    assert total(http, "Kelvarine") == 0  # the page replaced


def test_a_name_with_nothing_usable_is_400(site: Site, http: httpx.Client) -> None:
    before = uploads(site)
    response = http.post(
        "/api/articles",
        params={"name": ".."},
        content=b"A page.",
        headers={**AUTH, "Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "name"
    assert uploads(site) == before


# Refused bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "status", "param"),
    [
        ("application/json", b'{"title": "x", "body": ', 400, None),
        ("application/json", b'["a list"]', 400, None),
        ("application/json", b'"a string"', 400, None),
        ("application/json", b'{"body": "No title."}', 400, "title"),
        ("application/json", b'{"title": "No text"}', 400, None),
        ("application/json", b'{"title": "x", "body": "y", "id": "a b"}', 400, "id"),
        ("application/json", b'{"title": "x", "body": "y", "author": "z"}', 400, "author"),
        ("text/plain", b"", 400, None),
        ("text/html", b"  \n", 400, None),
        ("image/png", b"\x89PNG", 415, None),
        ("application/x-www-form-urlencoded", b"title=x", 415, None),
    ],
    ids=[
        "bad-json",
        "a-list",
        "a-string",
        "no-title",
        "no-text",
        "bad-id",
        "unknown-key",
        "empty-text",
        "blank-html",
        "png",
        "form",
    ],
)
def test_a_body_that_is_not_a_page_is_refused(
    site: Site,
    http: httpx.Client,
    content_type: str,
    body: bytes,
    status: int,
    param: str | None,
) -> None:
    before = uploads(site)
    response = http.post(
        "/api/articles", content=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == ("bad_request" if status == 400 else "unsupported_media_type")
    assert error.get("param") == param
    assert uploads(site) == before and not is_updating(site.index)


def test_a_declared_length_over_the_limit_is_413(site: Site) -> None:
    host, port = site.base.removeprefix("http://").split(":")
    request = (
        f"POST /api/articles HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {MAX_PAGE_BYTES + 1}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    error = json.loads(body)["error"]
    assert error["code"] == "request_entity_too_large"
    assert str(MAX_PAGE_BYTES) in error["message"]


def test_a_streamed_body_over_the_limit_is_413(site: Site, http: httpx.Client) -> None:
    before = uploads(site)
    piece = b"x" * (1 << 20)

    def chunks() -> Iterator[bytes]:  # sent chunked: no Content-Length
        for _ in range(MAX_PAGE_BYTES // len(piece)):
            yield piece
        yield b"x"

    response = http.post(
        "/api/articles", content=chunks(), headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_entity_too_large"
    assert uploads(site) == before


# One update at a time -------------------------------------------------------------------------


def test_while_another_update_holds_the_index(site: Site, http: httpx.Client) -> None:
    page = b"Teachers in Brevonsk demanded their unpaid salaries on Monday, parents said.\n"
    with build_lock(site.index):
        refused = http.post("/api/reindex", headers=AUTH)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "update_running"
        # A page is saved, and left to the next update: no job of ours can index it now.
        saved = http.post(
            "/api/articles", content=page, headers={**AUTH, "Content-Type": "text/plain"}
        )
        assert saved.status_code == 202 and saved.json()["job"] is None
        assert "Location" not in saved.headers
        assert (site.corpus / saved.json()["path"]).read_bytes() == page
    assert total(http, "Brevonsk") == 0

    started = http.post("/api/reindex", headers=AUTH)
    assert started.status_code == 202
    assert finished(http, started.headers["Location"])["state"] == "succeeded"
    wait_until(lambda: total(http, "Brevonsk") == 1, "the saved page to be found")


def write_status(site: Site, status: dict[str, Any]) -> str:
    """Writes a job's status file as an update would; returns the job's id."""
    job_id = uuid.uuid4().hex
    site.jobs.mkdir(parents=True, exist_ok=True)
    (site.jobs / f"{job_id}.json").write_text(json.dumps(status), encoding="utf-8")
    return job_id


def test_a_page_posted_during_a_job_makes_it_run_again(site: Site, http: httpx.Client) -> None:
    # A job running: its status file, the last job started, its process alive (this one)
    # and holding the index's lock.
    job_id = write_status(site, {"state": "running", "pid": os.getpid(), "stage": "reading"})
    last = site.jobs / "last"
    really_last = last.read_text(encoding="utf-8")
    last.write_text(job_id, encoding="utf-8")
    (site.jobs / "pending").unlink(missing_ok=True)
    with build_lock(site.index):
        refused = http.post("/api/reindex", headers=AUTH)
        assert refused.status_code == 409 and job_id in refused.json()["error"]["message"]
        response = http.post(
            "/api/articles",
            content=b"Nurses in Orlavka marched to the ministry on Thursday.\n",
            headers={**AUTH, "Content-Type": "text/plain"},
        )
        assert response.status_code == 202
        assert response.json()["job"]["id"] == job_id
        assert response.headers["Location"] == f"/api/jobs/{job_id}"
        assert (site.jobs / "pending").exists()
        assert http.get(f"/api/jobs/{job_id}", headers=AUTH).json()["state"] == "running"
    # The lock released while the status says running: its process did not end the job.
    status = http.get(f"/api/jobs/{job_id}", headers=AUTH).json()
    assert status["state"] == "failed" and "stopped unexpectedly" in status["error"]
    last.write_text(really_last, encoding="utf-8")


def test_a_job_whose_process_died_is_failed(site: Site, http: httpx.Client) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    job_id = write_status(site, {"state": "running", "pid": gone.pid, "stage": "writing"})
    status = http.get(f"/api/jobs/{job_id}", headers=AUTH).json()
    assert status["state"] == "failed" and "stopped unexpectedly" in status["error"]
    assert status["stage"] == "writing"


@pytest.mark.parametrize(
    ("params", "body"),
    [({"full": "true"}, None), ({}, {"full": True})],
    ids=["query", "json"],
)
def test_a_full_update_reads_every_file(
    site: Site, http: httpx.Client, params: dict[str, str], body: dict[str, Any] | None
) -> None:
    files = len(list_corpus(site.corpus).files)
    response = http.post("/api/reindex", params=params, json=body, headers=AUTH)
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    status = finished(http, job["url"])
    assert status["state"] == "succeeded", status
    assert status["report"]["mode"] == "full"
    assert status["files_total"] == status["files_done"] == status["report"]["files"] == files
    assert status["articles"] >= status["report"]["articles_indexed"] > 0
    assert "pid" not in status  # the API does not show the process


def test_the_jobs_process_is_reaped(site: Site, http: httpx.Client) -> None:
    response = http.post("/api/reindex", headers=AUTH)
    job_id = response.json()["job"]["id"]
    assert finished(http, response.headers["Location"])["state"] == "succeeded"
    pid = json.loads((site.jobs / f"{job_id}.json").read_text(encoding="utf-8"))["pid"]
    # Its process ends after the final status: then its parent waits for it (no zombie left).
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), "the job's process to be reaped")


@pytest.mark.parametrize(
    ("params", "body", "content_type", "status"),
    [
        ({"full": "maybe"}, b"", "application/json", 400),
        ({}, b'{"full": "maybe"}', "application/json", 400),
        ({}, b'{"fast": true}', "application/json", 400),
        ({}, b"{", "application/json", 400),
        ({}, b"full=true", "application/x-www-form-urlencoded", 415),
        ({}, b"x" * 2048, "application/json", 413),
    ],
    ids=["bad-query", "bad-full", "unknown-option", "bad-json", "form", "too-long"],
)
def test_bad_reindex_options_are_refused(
    site: Site,
    http: httpx.Client,
    params: dict[str, str],
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    response = http.post(
        "/api/reindex",
        params=params,
        content=body,
        headers={**AUTH, "Content-Type": content_type},
    )
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert not is_updating(site.index)


@pytest.mark.parametrize("job_id", ["0" * 32, "not-a-job", "..%2F..%2Fetc"])
def test_an_unknown_job_is_404(http: httpx.Client, job_id: str) -> None:
    response = http.get(f"/api/jobs/{job_id}", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_endpoints_are_described(http: httpx.Client) -> None:
    doc = http.get("/api/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in ("/api/reindex", "/api/articles"):
        operation = doc["paths"][path]["post"]
        assert operation["security"] == [{"bearer": []}]
        assert {"202", "400", "401", "403", "413", "415"} <= set(operation["responses"])
    assert "409" in doc["paths"]["/api/reindex"]["post"]["responses"]
    assert set(doc["paths"]["/api/articles"]["post"]["requestBody"]["content"]) == {
        "text/plain",
        "text/html",
        "application/json",
    }
    assert {"200", "404"} <= set(doc["paths"]["/api/jobs/{job_id}"]["get"]["responses"])
    assert "Job" in doc["components"]["schemas"]


def test_only_the_last_jobs_files_are_kept(site: Site, http: httpx.Client) -> None:
    for earlier in site.jobs.glob("*.json"):  # the other tests' jobs: older than these
        os.utime(earlier, (time.time() - 7200,) * 2)
    old = [write_status(site, {"state": "succeeded"}) for _ in range(KEEP_JOBS + 5)]
    for age, job_id in enumerate(reversed(old), start=1):  # old[0] is the oldest
        os.utime(site.jobs / f"{job_id}.json", (time.time() - 3600 - age,) * 2)
        (site.jobs / f"{job_id}.log").write_text("", encoding="utf-8")
    response = http.post("/api/reindex", headers=AUTH)
    assert response.status_code == 202, response.text
    assert finished(http, response.headers["Location"])["state"] == "succeeded"
    kept = {p.stem for p in site.jobs.glob("*.json")}
    assert len(kept) == KEEP_JOBS and response.json()["job"]["id"] in kept
    assert set(old[-(KEEP_JOBS - 1) :]) <= kept and not set(old[:6]) & kept
    assert not (site.jobs / f"{old[0]}.log").exists()
    assert http.get(f"/api/jobs/{old[0]}", headers=AUTH).status_code == 404


def test_a_job_is_read_with_the_token_only(site: Site, http: httpx.Client, tokenless: str) -> None:
    job_id = write_status(site, {"state": "succeeded"})
    assert http.get(f"/api/jobs/{job_id}", headers=AUTH).status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        response = http.get(f"/api/jobs/{job_id}", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert httpx.get(f"{tokenless}/api/jobs/{job_id}", headers=AUTH).status_code == 403
