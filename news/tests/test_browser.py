"""The news pages on a phone (390 x 844) in headless Chromium: list, an accident case, the charts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .factories import AccidentCaseFactory, ArticleFactory

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def page(live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="en-US", extra_http_headers={"Accept-Language": "en"})
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.errors = errors
        yield tab
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.django_db(transaction=True)
def test_phone_reads_list_case_and_charts(page, live_server):
    AccidentCaseFactory(article__slug="case-a", article__title="Harness not clipped on",
                        article__industry="construction")
    AccidentCaseFactory(article__slug="case-b", article__title="Gloves overdue for test", article__industry="electric_power",
                        accident_type="electric_shock", ppe_role="expired")
    ArticleFactory(slug="know", title="How to wear a helmet", body_markdown="## Wear it\n\n<script>window.pwned=1</script>")

    page.goto(f"{live_server.url}/news/")
    assert page.locator(".news-card h3").all_inner_texts() == [
        "How to wear a helmet", "Gloves overdue for test", "Harness not clipped on"]  # newest first
    _no_sideways_scroll(page)

    page.click("text=Harness not clipped on")
    assert page.locator(".case-facts dd").nth(3).inner_text() == "Fall from height"
    _no_sideways_scroll(page)

    page.goto(f"{live_server.url}/news/know/")
    assert page.locator(".news-body h2").inner_text() == "Wear it"
    assert page.evaluate("window.pwned") is None

    page.goto(f"{live_server.url}/news/analysis/")
    page.wait_for_function("typeof Chart !== 'undefined'")
    drawn = page.evaluate("[...document.querySelectorAll('canvas[data-chart]')]"
                          ".map(c => [c.dataset.chart, !!Chart.getChart(c), c.clientWidth > 300])")
    assert drawn == [["ppe_role", True, True], ["accident_type", True, True], ["industry", True, True],
                     ["year", True, True]]
    _no_sideways_scroll(page)
    assert page.errors == []
