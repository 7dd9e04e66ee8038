"""axe-core (the npm package, injected with Playwright into Debian's Chromium) on the search,
article, empty-result, error and API pages, at 1280 and 375 px: no violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browsing import base_url, browser, skip_without_chromium

pytestmark = pytest.mark.browser
skip_without_chromium()
AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.exists() and not os.environ.get("LANTERN_REQUIRE_BROWSER"):
    pytest.skip("axe-core is not installed (scripts/test.sh runs npm ci)", allow_module_level=True)

from playwright.sync_api import Browser  # noqa: E402

__all__ = ["base_url", "browser"]  # fixtures the tests below use
PAGES = {
    "search": "/search?q=camps",
    "filtered": "/search?q=Almaty&person=Serikzhan+Bilash&from=2019",
    "article": "/articles/004_d6af8e314100ae0e-1?q=Atajurt",
    "empty": "/search?q=zzqxv",
    "error": "/articles/no-such-article",
    "api-docs": "/api/docs",
    "tips": "/help",
}


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_no_axe_violations(browser: Browser, base_url: str, path: str, width: int) -> None:
    # The page's CSP refuses injected scripts, as it should: the test context bypasses it.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(base_url + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    context.close()
    assert violations == []
