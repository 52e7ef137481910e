"""A real chromium opens the built lesson pages and finds the chart drawn."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, save_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHART_MARKS = ".vega-embed svg .mark-rect path"


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_lesson_chart_draws_offline(site_url, edition):
    with chromium_page() as (page, console_errors, hosts):
        page.goto(f"{site_url}/{edition}/lessons/02-explore.html")
        page.wait_for_selector(CHART_MARKS, timeout=20_000)
        marks = page.locator(CHART_MARKS).count()
        label = page.locator(".vega-embed div[aria-label]").first.get_attribute(
            "aria-label"
        )
        save_screenshot(page, f"lesson-02-explore-{edition}")

    assert marks >= 10
    assert label, "the chart has no aria-label (alt text)"
    assert console_errors == []
    assert hosts == {"127.0.0.1"}
