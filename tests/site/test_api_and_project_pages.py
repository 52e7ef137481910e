"""The API lesson and the final project show figures computed from the registered files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.browser import chromium_page, save_screenshot
from widgets.fetch import fetch
from widgets.lesson import format_number
from widgets.portal import PORTAL_API_URL

pytestmark = pytest.mark.slow

API_LESSON = "lessons/06-api.html"
PROJECT_LESSON = "lessons/13-final-project.html"
CHART_MARKS = ".vega-embed svg .mark-rect path"


def _soup(site: Path, edition: str, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / edition / name).read_text("utf-8"), "html.parser")


def _pasted_texts(soup: BeautifulSoup) -> list[str]:
    return [span.get_text() for span in soup.select("span.pasted-text")]


def _municipalities() -> pd.DataFrame:
    path = fetch("repertoire-municipalites")
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_api_lesson_filter_total(built_site, edition):
    regions = _municipalities()["regadm"]
    expected = format_number(int((regions == "Montérégie (16)").sum()), edition)
    assert expected in _pasted_texts(_soup(built_site, edition, API_LESSON))


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_api_lesson_boxes_link_portal(built_site, edition):
    links = _soup(built_site, edition, API_LESSON).select(".dq-api-call a")
    assert len(links) >= 6
    for link in links:
        assert link["href"].startswith(PORTAL_API_URL), link["href"]


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_project_top_region(built_site, edition):
    table = _municipalities()
    table["mpopul"] = pd.to_numeric(table["mpopul"])
    by_region = table.groupby("regadm").agg(
        municipalities=("mcode", "size"), population=("mpopul", "sum")
    )
    ratio = by_region["municipalities"] / by_region["population"]
    assert ratio.idxmax() in _pasted_texts(_soup(built_site, edition, PROJECT_LESSON))


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_project_repeated_timestamps(built_site, edition):
    path = fetch("velos-comptage-2019")
    dates = pd.read_csv(path, usecols=["Date"], dtype=str)["Date"]
    expected = format_number(int(dates.duplicated().sum()), edition)
    assert expected in _pasted_texts(_soup(built_site, edition, PROJECT_LESSON))


@pytest.mark.browser
@pytest.mark.parametrize("edition", ["fr", "en"])
def test_project_chart_draws_offline(site_url, edition):
    with chromium_page() as (page, console_errors, hosts):
        page.goto(f"{site_url}/{edition}/{PROJECT_LESSON}")
        page.wait_for_selector(CHART_MARKS, timeout=20_000)
        label = page.locator(".vega-embed div[aria-label]").first.get_attribute(
            "aria-label"
        )
        save_screenshot(page, f"lesson-13-final-project-{edition}")

    assert label, "the chart has no aria-label (alt text)"
    assert console_errors == []
    assert hosts == {"127.0.0.1"}
