"""Lesson sources: both editions have the same pages and parts, and each lesson is complete.

These tests read the MyST sources without executing them; the site tests
check the executed pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from widgets.course import learning_paths, lessons, read_lesson
from widgets.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EDITIONS = ("fr", "en")

REQUIRED_PARTS = {
    "fr": [
        ":::{admonition} Aperçu",
        "**Questions**",
        "**Objectifs**",
        "**Préalables**",
        "## Vérifiez votre compréhension",
        "## Points clés",
    ],
    "en": [
        ":::{admonition} Overview",
        "**Questions**",
        "**Objectives**",
        "**Prerequisites**",
        "## Check your understanding",
        "## Key points",
    ],
}
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
DATASET_CARD = re.compile(r"dataset_card\(\s*\"([^\"]+)\"")
MIN_QUIZZES = 3


def _pages(edition: str) -> list[str]:
    folder = BOOK / edition
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*.md")
        if "_build" not in path.parts
    )


def _lesson_paths(edition: str) -> list[Path]:
    return sorted((BOOK / edition / "lessons").glob("*.md"))


def _code_cells(text: str) -> list[str]:
    return CODE_CELL.findall(text)


def _summary(path: Path) -> dict:
    text = path.read_text("utf-8")
    cells = _code_cells(text)
    return {
        "sections": len(re.findall(r"^## ", text, re.MULTILINE)),
        "code cells": len(cells),
        "self-check questions": sum(cell.count("quiz(") for cell in cells),
        "charts": sum(cell.count("alt.Chart(") for cell in cells),
        "datasets": sorted(DATASET_CARD.findall(text)),
        "glossary links": text.count("{term}"),
    }


def _toc_files(edition: str) -> list[str]:
    toc_file = ROOT / "_toc.yml" if edition == "fr" else BOOK / edition / "_toc.yml"
    toc = yaml.safe_load(toc_file.read_text("utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_editions_have_same_pages():
    french = set(_pages("fr"))
    english = set(_pages("en"))
    assert sorted(french - english) == [], "pages missing from the English edition"
    assert sorted(english - french) == [], "pages missing from the French edition"


@pytest.mark.parametrize("page", _pages("fr"))
def test_page_parts_match_across_editions(page):
    french = _summary(BOOK / "fr" / page)
    english_path = BOOK / "en" / page
    if not english_path.exists():
        pytest.fail(f"{page} has no English version")
    english = _summary(english_path)
    for part, count in french.items():
        assert english[part] == count, (
            f"{page}: {part} differ (fr {count}, en {english[part]})"
        )


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_page_is_in_toc(edition):
    listed = {name + ".md" for name in _toc_files(edition)}
    on_disk = set(_pages(edition))
    assert sorted(on_disk - listed) == [], "pages not in the table of contents"
    assert sorted(listed - on_disk) == [], "table of contents names missing pages"


@pytest.mark.parametrize(
    ("edition", "path"),
    [(edition, path) for edition in EDITIONS for path in _lesson_paths(edition)],
    ids=lambda value: value if isinstance(value, str) else value.stem,
)
def test_lesson_has_required_parts(edition, path):
    text = path.read_text("utf-8")
    for part in REQUIRED_PARTS[edition]:
        assert part in text, f"{path.name}: missing {part!r}"
    summary = _summary(path)
    assert summary["self-check questions"] >= MIN_QUIZZES, (
        f"{path.name}: too few questions"
    )
    assert summary["datasets"], f"{path.name}: no dataset card (citation and licence)"
    assert f'lesson_info("{path.stem}", "{edition}")' in text, (
        f"{path.name}: no header box"
    )


@pytest.mark.parametrize(
    ("edition", "path"),
    [(edition, path) for edition in EDITIONS for path in _lesson_paths(edition)],
    ids=lambda value: value if isinstance(value, str) else value.stem,
)
def test_lesson_charts_have_alt_text(edition, path):
    for cell in _code_cells(path.read_text("utf-8")):
        charts = cell.count("alt.Chart(")
        assert cell.count("description=") >= charts, (
            f"{path.name}: a chart has no alt text"
        )


@pytest.mark.parametrize(
    ("edition", "path"),
    [(edition, path) for edition in EDITIONS for path in _lesson_paths(edition)],
    ids=lambda value: value if isinstance(value, str) else value.stem,
)
def test_lesson_datasets_are_registered(edition, path):
    registry = load_registry()
    for dataset_id in _summary(path)["datasets"]:
        assert dataset_id in registry, f"{path.name}: {dataset_id!r} is not registered"


@pytest.mark.parametrize("edition", EDITIONS)
def test_lesson_front_matter_valid(edition):
    for path in _lesson_paths(edition):
        lesson = read_lesson(path)
        assert lesson.teaching > 0, path.name


def test_lesson_times_match_across_editions():
    french = {
        lesson.slug: (lesson.teaching, lesson.exercises, lesson.paths)
        for lesson in lessons("fr")
    }
    english = {
        lesson.slug: (lesson.teaching, lesson.exercises, lesson.paths)
        for lesson in lessons("en")
    }
    assert french == english


def test_learning_path_totals_add_lessons():
    paths = learning_paths("fr")
    expected = sum(lesson.minutes for lesson in lessons("fr") if "read" in lesson.paths)
    assert paths.totals()["read"] == expected


@pytest.mark.parametrize("edition", EDITIONS)
def test_lesson_apps_have_notebooks(edition):
    from widgets.course import APPS

    for lesson in lessons(edition):
        if lesson.app:
            notebook = ROOT / "notebooks" / APPS[lesson.app][2]
            assert notebook.exists(), (
                f"{lesson.slug}: app notebook {notebook.name} missing"
            )


def test_next_lesson_follows_path_order():
    from widgets.course import next_in_paths

    catalogue = lessons("fr")
    reading = [lesson for lesson in catalogue if "read" in lesson.paths]
    following = next_in_paths(reading[0], catalogue)
    assert following["read"] == reading[1]
    assert next_in_paths(reading[-1], catalogue)["read"] is None
