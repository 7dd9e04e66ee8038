"""The search page in a real Chromium: search, read highlights, narrow by a facet, page on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browsing import base_url, browser, skip_without_chromium

pytestmark = pytest.mark.browser
skip_without_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

__all__ = ["base_url", "browser"]  # fixtures the tests below use


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_search_highlight_facet_and_article(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/")
    page.get_by_role("searchbox", name="Search the archive").fill("Almaty")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{base_url}/search?q=Almaty")
    expect(page.locator("h1.summary")).to_contain_text("for “Almaty”")
    marks = page.locator(".snippet mark")
    expect(marks.first).to_be_visible()
    assert marks.first.inner_text().lower() == "almaty"
    total_before = page.locator(".hit").count()
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    # Narrow by a place: the URL keeps the state and the list shrinks or stays.
    facet_link = page.locator(".facet a", has_text="Kazakhstan").first
    facet_link.click()
    expect(page).to_have_url(re.compile(r"[?&]place="))
    expect(page.locator(".chip")).to_have_count(1)
    assert page.locator(".hit").count() <= total_before

    # Open the first hit: its matches are highlighted and the next-match button moves focus.
    page.locator(".hit-title a").first.click()
    expect(page.locator(".body mark").first).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".body mark.current")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)


def test_keyboard_user_reaches_the_search_box(page: Page, base_url: str) -> None:
    page.goto(base_url + "/search?q=Bilash")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to results")).to_be_focused()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_narrow_screens_show_results_before_filters(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/search?q=camps")
    heading = page.locator("#results-heading").bounding_box()
    facets = page.locator("#filters").bounding_box()
    assert heading is not None and facets is not None
    assert heading["y"] < 400 < facets["y"]
    page.get_by_role("link", name=re.compile("^Filters")).click()
    expect(page).to_have_url(re.compile("#filters$"))
    page.goto(base_url + "/search?q=camps")  # from the top: the skip link leads to the results
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    context.close()


def test_back_to_results_returns_to_the_exact_search(page: Page, base_url: str) -> None:
    search = "/search?q=Almaty&person=Serikzhan+Bilash&sort=newest&from=2019"
    page.goto(base_url + search)
    expect(page.locator(".chip")).to_have_count(2)  # the person and the date range
    expect(page.locator("h1.summary")).to_contain_text("for “Almaty”, published from 2019-01-01")
    page.locator(".hit-title a").first.click()
    page.get_by_role("link", name="← Back to results").click()
    expect(page).to_have_url(re.compile(r"/search\?q=Almaty&person=Serikzhan\+Bilash&from=2019"))
    expect(page).to_have_url(re.compile("sort=newest"))
    page.locator(".chip", has_text="published").click()
    expect(page.locator(".chip")).to_have_count(1)
    expect(page).not_to_have_url(re.compile("from="))


def test_the_match_navigator_says_where_it_is(page: Page, base_url: str) -> None:
    page.goto(base_url + "/search?q=Atajurt")
    page.locator(".hit-title a").first.click()
    total = page.locator(".body mark").count()
    assert total > 1
    page.get_by_role("button", name="Next match").click()
    page.get_by_role("button", name="Next match").click()
    expect(page.get_by_role("status")).to_have_text(f"match 2 of {total}")


def test_pages_break_no_rule_of_their_content_security_policy(page: Page, base_url: str) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(base_url + "/search?q=camps")
    expect(page.locator(".histogram .bar").first).to_be_visible()
    page.locator(".hit-title a").first.click()
    page.get_by_role("button", name="Next match").click()
    expect(page.locator(".body mark.current")).to_have_count(1)
    assert refused == []


def test_page_controls_per_page_clear_all_and_tips(page: Page, base_url: str) -> None:
    page.goto(base_url + "/search?q=&person=Serikzhan+Bilash&from=2019")
    page.get_by_role("navigation", name="Results per page").get_by_role("link", name="25").click()
    expect(page).to_have_url(re.compile("per_page=25"))
    page.get_by_role("link", name="Clear all filters").click()
    expect(page.locator(".chip")).to_have_count(0)
    expect(page).not_to_have_url(re.compile("person=|from="))
    expect(page).to_have_url(re.compile("per_page=25"))
    page.get_by_role("link", name="Search tips").click()
    expect(page.get_by_role("heading", name="Search tips")).to_be_visible()


def test_a_facet_value_can_be_excluded_and_let_back(page: Page, base_url: str) -> None:
    page.goto(base_url + "/search?q=camps")
    before = page.locator(".hit").count()
    page.get_by_role("link", name="Exclude Serikzhan Bilash").click()
    expect(page).to_have_url(re.compile(r"not_person=Serikzhan\+Bilash"))
    expect(page.locator(".chip-not")).to_have_count(1)
    assert page.locator(".hit").count() < before
    assert "Bilash" not in page.locator(".hits").inner_text()
    page.locator(".chip-not").click()
    expect(page.locator(".hit")).to_have_count(before)


def test_a_facet_filter_box_finds_values_beyond_those_shown(page: Page, base_url: str) -> None:
    page.goto(base_url + "/search?q=&facet_limit=1")
    places = page.locator('.facet[data-facet="place"]')
    expect(places.locator("li")).to_have_count(1)
    places.get_by_label("Filter places").fill("Alm")
    expect(places.locator("li", has_text="Almaty")).to_have_count(1)
    places.locator("li a", has_text="Almaty").click()
    expect(page).to_have_url(re.compile("place=Almaty"))
    expect(page.locator(".chip", has_text="Almaty")).to_have_count(1)


def test_the_page_works_at_200_percent_zoom(browser: Browser, base_url: str) -> None:
    # 1280 px at 200% is a 640 px wide page: nothing may need scrolling sideways.
    context = browser.new_context(viewport={"width": 640, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    for path in ("/search?q=camps&person=Serikzhan+Bilash", "/articles/004_d6af8e314100ae0e-1"):
        page.goto(base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    context.close()
