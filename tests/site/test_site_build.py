"""The site builds from scratch and its pages show figures computed from real data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from widgets.fetch import fetch
from widgets.lesson import format_number
from widgets.sphinxext import VENDOR_SCRIPTS

pytestmark = pytest.mark.slow

LESSON = "lessons/02-explore.html"
EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", re.IGNORECASE)


def _page(site: Path, edition: str, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / edition / name).read_text("utf-8"), "html.parser")


def _municipalities() -> pd.DataFrame:
    path = fetch("repertoire-municipalites")
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _pasted_texts(soup: BeautifulSoup) -> list[str]:
    return [span.get_text() for span in soup.select("span.pasted-text")]


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_lesson_row_count_from_data(built_site, edition):
    expected = format_number(len(_municipalities()), edition)
    texts = _pasted_texts(_page(built_site, edition, LESSON))
    assert expected in texts


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_lesson_top_region_from_data(built_site, edition):
    counts = _municipalities()["regadm"].value_counts()
    texts = _pasted_texts(_page(built_site, edition, LESSON))
    assert counts.index[0] in texts
    assert format_number(counts.iloc[0], edition) in texts


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_html_lang_matches_edition(built_site, edition):
    html_tag = _page(built_site, edition, LESSON).find("html")
    assert html_tag["lang"] == edition


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_language_switch_targets_same_page(built_site, edition):
    other = "en" if edition == "fr" else "fr"
    for page in sorted((built_site / edition).rglob("*.html")):
        relative = page.relative_to(built_site / edition)
        if relative.parts[0] in {"_static", "_sources"} or relative.name in {
            "genindex.html",
            "search.html",
        }:
            continue
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        link = soup.select_one(".dq-language-switch a")
        assert link is not None, f"no language switch on {relative}"
        target = (page.parent / link["href"]).resolve()
        assert target == (built_site / other / relative).resolve(), relative
        assert target.exists(), f"{relative}: {link['href']} does not exist"


def test_no_external_script_style_or_font(built_site):
    offenders = []
    for page in sorted(built_site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for script in soup.find_all("script", src=True):
            if EXTERNAL.match(script["src"]):
                offenders.append(f"{page}: <script src={script['src']}>")
        for link in soup.find_all("link", href=True):
            if EXTERNAL.match(link["href"]) and not _is_navigation_link(link):
                offenders.append(f"{page}: <link href={link['href']}>")
        for style in soup.find_all("style"):
            for target in CSS_IMPORT.findall(style.get_text()):
                if EXTERNAL.match(target):
                    offenders.append(f"{page}: @import {target}")
    for sheet in sorted(built_site.rglob("*.css")):
        for target in CSS_IMPORT.findall(sheet.read_text("utf-8", errors="replace")):
            if EXTERNAL.match(target):
                offenders.append(f"{sheet}: @import {target}")
    assert offenders == []


def test_vendored_vega_matches_altair():
    names = " ".join(VENDOR_SCRIPTS)
    assert f"vega-{altair.VEGA_VERSION}." in names
    assert f"vega-lite-{altair.VEGALITE_VERSION}." in names
    assert f"vega-embed-{altair.VEGAEMBED_VERSION}." in names


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_chart_has_alt_text(built_site, edition):
    page = (built_site / edition / LESSON).read_text("utf-8")
    descriptions = [
        json.loads(f'"{text}"')
        for text in re.findall(r'"description":\s*"([^"]+)"', page)
    ]
    assert descriptions, "no chart description in the page"
    counts = _municipalities()["regadm"].value_counts()
    assert counts.index[0] in descriptions[0]


def _is_navigation_link(link) -> bool:
    """Whether a <link> only names another page (canonical, alternate), loading nothing."""
    relations = set(link.get("rel", []))
    return bool(relations) and relations <= {
        "canonical",
        "alternate",
        "author",
        "license",
    }


def _quizzes(soup: BeautifulSoup) -> list:
    return soup.select("div.dq-quiz")


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_quizzes_have_correct_answer_and_feedback(built_site, edition):
    for page in sorted((built_site / edition / "lessons").glob("*.html")):
        for quiz in _quizzes(BeautifulSoup(page.read_text("utf-8"), "html.parser")):
            options = quiz.select("details.dq-quiz-option")
            correct = [option for option in options if option["data-correct"] == "true"]
            assert correct, f"{page.name}: a question has no correct answer"
            for option in options:
                feedback = option.select_one(".dq-quiz-feedback")
                verdict = feedback.select_one(".dq-quiz-verdict").get_text()
                assert feedback.get_text().replace(verdict, "").strip(), page.name


def test_built_pages_match_across_editions(built_site):
    french = sorted(
        p.relative_to(built_site / "fr") for p in (built_site / "fr").rglob("*.html")
    )
    english = sorted(
        p.relative_to(built_site / "en") for p in (built_site / "en").rglob("*.html")
    )
    assert french == english
    for relative in french:
        if relative.parts[0] in {"_static", "_sources"}:
            continue
        counts = []
        for edition in ("fr", "en"):
            soup = _page(built_site, edition, str(relative))
            counts.append(
                {
                    "questions": len(_quizzes(soup)),
                    "charts": len(soup.select(".vega-embed, [id^=altair-viz]")),
                    "sections": len(soup.select("section")),
                }
            )
        assert counts[0] == counts[1], f"{relative}: fr {counts[0]} en {counts[1]}"


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_home_page_lists_learning_paths(built_site, edition):
    soup = _page(built_site, edition, "index.html")
    rows = soup.select("table.dq-paths tr")
    assert len(rows) == 3
