"""What the page tests share: Debian's Chromium under Playwright, and a gunicorn to browse."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import gunicorn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def skip_without_chromium() -> None:
    """Skips the calling test module when Chromium is missing, except in CI, which sets
    LANTERN_REQUIRE_BROWSER: there a missing Chromium fails instead."""
    if not Path(CHROMIUM).exists() and not os.environ.get("LANTERN_REQUIRE_BROWSER"):
        pytest.skip(
            "Chromium is not installed (scripts/test.sh installs it as root)",
            allow_module_level=True,
        )


@pytest.fixture(scope="module")
def base_url(index_dir: Path) -> Iterator[str]:
    """Serves the sample index with one gunicorn worker; yields its base URL."""
    with gunicorn(index_dir, workers=1) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Yields a headless Chromium (Debian's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
