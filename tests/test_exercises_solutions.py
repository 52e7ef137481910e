"""Every assignment's solution scores full marks, and its release hides the solutions."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

import widgets
from widgets.instructor.course import Course
from widgets.instructor.release import check_solution

pytestmark = pytest.mark.slow

COURSE = Course(Path(widgets.__file__).resolve().parent.parent / "exercises")
MIRROR = os.environ.get("DONNEESQC_MIRROR", "/work/shared/portal-snapshot")


@pytest.fixture(autouse=True)
def mirror(monkeypatch):
    monkeypatch.setenv("DONNEESQC_MIRROR", MIRROR)
    monkeypatch.setenv("DONNEESQC_STRICT", "1")


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_solution_full_marks(assignment):
    result = check_solution(COURSE, assignment)
    assert result.max_score > 0
    assert result.failed_cells == []
    assert result.score == result.max_score


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_source_has_manual_question(assignment):
    notebook = nbformat.read(
        COURSE.source / assignment / f"{assignment}.ipynb", as_version=4
    )
    manual = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and cell.metadata["nbgrader"].get("solution")
    ]
    assert manual


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_source_has_hidden_tests(assignment):
    text = (COURSE.source / assignment / f"{assignment}.ipynb").read_text("utf-8")
    assert "### BEGIN HIDDEN TESTS" in text


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_lesson_exercises_exist(edition):
    from widgets.course import lessons

    named = {lesson.exercise for lesson in lessons(edition) if lesson.exercise}
    assert named
    assert named - set(COURSE.assignments()) == set()
