"""The API against its own OpenAPI description, by a client no one here wrote: schemathesis
generates requests (valid and not) from /api/openapi.json and runs all its checks against a
real gunicorn: no 5xx, every response as described, malformed requests refused with a 4xx."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import gunicorn

pytestmark = [pytest.mark.server, pytest.mark.slow]
# Examples per operation and phase; with the stateful phase about 3,500 requests in all.
EXAMPLES = 150


@pytest.fixture(scope="module")
def admin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty corpus and jobs folder for the admin endpoints, which nothing must reach."""
    return tmp_path_factory.mktemp("contract-admin")


@pytest.fixture(scope="module")
def base_url(index_dir: Path, admin_folder: Path) -> Iterator[str]:
    # The admin endpoints on, with a token schemathesis is not given: its requests to them must
    # be refused with 401 (tests/test_admin.py has the 403 of a server with no token).
    env = {
        "LANTERN_ADMIN_TOKEN": secrets.token_urlsafe(32),
        "LANTERN_CORPUS": str(admin_folder / "corpus"),
        "LANTERN_JOBS_DIR": str(admin_folder / "jobs"),
    }
    with gunicorn(index_dir, workers=2, env=env) as base:
        yield base


def test_the_description_is_served_and_shown(base_url: str) -> None:
    doc = httpx.get(f"{base_url}/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/search", "/api/articles/{article_id}", "/healthz"} <= set(doc["paths"])
    page = httpx.get(f"{base_url}/api/docs")
    assert page.status_code == 200 and "/api/search.csv" in page.text


def test_schemathesis_finds_nothing_wrong(base_url: str, admin_folder: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base_url}/api/openapi.json",
        "--url",
        base_url,
        "--checks",
        "all",
        # Its "schema-violating request accepted" check mutates optional query parameters into
        # shapes that reach the wire as valid ones (an array of one as a string, an empty
        # object as no parameter at all) and then expects a 4xx; our own tests of malformed
        # parameters (tests/test_api.py) check the real 400s.
        "--exclude-checks",
        "negative_data_rejection",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261202",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    generated = re.search(r"(\d+) generated", done.stdout)
    assert generated and int(generated[1]) >= 1000, summary
    assert not any(admin_folder.iterdir())  # no page saved, no job started
