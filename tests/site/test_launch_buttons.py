"""Lesson pages launch their own notebook on Binder; home pages link to the apps there."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from widgets.binder import APPS_URLPATH, lesson_urlpath, load_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = ("fr", "en")


def _binder_links(page: Path) -> set[str]:
    base = load_settings(ROOT).launch_base()
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    return {
        link["href"]
        for link in soup.find_all("a", href=True)
        if link["href"].startswith(base)
    }


def _lesson_pages(site: Path, edition: str) -> list[Path]:
    return sorted((site / edition / "lessons").glob("*.html"))


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_lesson_has_launch_link(built_site, edition):
    pages = _lesson_pages(built_site, edition)
    missing = [page.name for page in pages if not _binder_links(page)]
    assert pages, f"no lesson page in the {edition} edition"
    assert missing == []


@pytest.mark.parametrize("edition", EDITIONS)
def test_launch_link_opens_own_source(built_site, edition):
    settings = load_settings(ROOT)
    for page in _lesson_pages(built_site, edition):
        source = f"book/{edition}/lessons/{page.stem}.md"
        expected = settings.launch_url(lesson_urlpath(source))
        assert (ROOT / source).is_file(), source
        assert _binder_links(page) == {expected}, page.name


@pytest.mark.parametrize("edition", EDITIONS)
def test_home_links_to_apps(built_site, edition):
    soup = BeautifulSoup(
        (built_site / edition / "index.html").read_text("utf-8"), "html.parser"
    )
    links = {link["href"] for link in soup.select("a.dq-binder-link")}
    assert links == {load_settings(ROOT).launch_url(APPS_URLPATH)}
