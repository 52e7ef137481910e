"""The instructor pipeline on adversarial submissions of one assignment.

Submissions are made from the release notebook of ``02-lecture`` in a
scratch copy of the course, graded with ``python -m widgets.instructor
grade`` in a child process, and checked through the reports, the gradebook
CSV files and the feedback pages.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

import widgets
from widgets.instructor import synthetic
from widgets.instructor.course import Course

pytestmark = pytest.mark.slow

PROJECT = Path(widgets.__file__).resolve().parent.parent
ASSIGNMENT = "02-lecture"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
CELL_TIMEOUT = 10
MIRROR = os.environ.get("DONNEESQC_MIRROR", "/work/shared/portal-snapshot")


def course_copy(root: Path) -> Course:
    """Copy the course's config and sources to ``root``, with a short cell timeout."""
    root.mkdir(parents=True)
    shutil.copy2(
        PROJECT / "exercises" / "nbgrader_config.py", root / "nbgrader_config.py"
    )
    shutil.copytree(PROJECT / "exercises" / "source", root / "source")
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    return Course(root)


def run_instructor(
    course: Course, *arguments: str, locale: str | None = None
) -> subprocess.CompletedProcess:
    """Run the instructor command line on ``course`` in a child process."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT),
        DONNEESQC_MIRROR=MIRROR,
        DONNEESQC_STRICT="1",
    )
    if locale:
        env.update(LANG=locale, LC_ALL=locale)
        env.pop("PYTHONUTF8", None)
        env.pop("PYTHONIOENCODING", None)
    command = [
        sys.executable,
        "-m",
        "widgets.instructor",
        "--course",
        str(course.root),
        *arguments,
    ]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=1500, check=False
    )


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    """Return the rows of a grade or report CSV file by student id."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def submissions(course: Course, folder: Path) -> None:
    """Write one submission of each kind to ``folder/<learner>/<file>``."""
    release = course.release / ASSIGNMENT / NOTEBOOK
    source = course.source / ASSIGNMENT / NOTEBOOK
    answers = synthetic.answer_cell_ids(nbformat.read(release, as_version=4))
    tests = synthetic.test_cell_ids(nbformat.read(release, as_version=4))
    correct = synthetic.correct(release, source)
    kinds = {
        "correct": correct,
        "partial": synthetic.filled(
            release,
            source,
            {
                answers[
                    1
                ]: "urgences = pd.read_csv(chemin_urgences, encoding='cp1252')",
                answers[2]: "mois_max_berri = 1",
            },
        ),
        "endless-loop": synthetic.endless_loop(release, source, answers[2]),
        "deleted-test": synthetic.delete_cell(correct, tests[0]),
        "retyped-test": synthetic.retype_cell(correct, tests[1]),
        "split-cell": synthetic.split_cell(correct, answers[0]),
        "edited-test": synthetic.edit_test_cell(
            synthetic.filled(
                release, source, {answers[3]: "installations_debordees = 0"}
            ),
            tests[-1],
        ),
        "syntax-error": synthetic.syntax_error(release, source, answers[1]),
        "huge-output": synthetic.huge_output(release, source),
        "missing-data": synthetic.local_file(release, source, answers[0], "velos"),
        "no-cells": synthetic.no_cells(release, source),
        "fake-hidden": synthetic.fake_hidden_tests(release, source, answers[3]),
    }
    for learner, notebook in kinds.items():
        synthetic.write(notebook, folder / learner / NOTEBOOK)
    synthetic.write(correct, folder / "renamed" / "Copie de 02-lecture (1).ipynb")
    synthetic.write(
        synthetic.non_ascii(release, source), folder / "Hélène Côté" / NOTEBOOK
    )
    (folder / "empty").mkdir()
    (folder / "empty" / NOTEBOOK).write_bytes(b"")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Course:
    """A course copy whose adversarial submissions went through the whole pipeline."""
    root = tmp_path_factory.mktemp("pipeline")
    course = course_copy(root / "course")
    released = run_instructor(course, "release", ASSIGNMENT)
    assert released.returncode == 0, released.stderr
    submissions(course, root / "inbox")
    result = run_instructor(
        course, "grade", ASSIGNMENT, str(root / "inbox"), "--workers", "2"
    )
    (root / "grade-output.txt").write_text(result.stdout + result.stderr, "utf-8")
    # Exit code 1 means that some submission failed (the empty file).
    assert result.returncode == 1, result.stdout + result.stderr
    return course


@pytest.fixture(scope="module")
def summary(graded: Course) -> dict[str, dict[str, str]]:
    return read_csv(graded.grades / f"{ASSIGNMENT}-grades.csv")


@pytest.fixture(scope="module")
def autograded_max(graded: Course) -> float:
    """Points of the autograded test cells (the maximum without hand-graded answers)."""
    rows = read_csv_rows(graded.grades / f"{ASSIGNMENT}-questions.csv")
    return sum(
        float(row["max_score"])
        for row in rows
        if row["student_id"] == "correct" and row["cell_type"] == "code"
    )


def page_text(path: Path) -> str:
    """Return the text of an HTML page without its tags (code is split into spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text("utf-8")))


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_correct_full_marks(summary, autograded_max):
    assert float(summary["correct"]["score"]) == autograded_max


def test_correct_status_graded(summary):
    assert summary["correct"]["status"] == "graded"


def test_correct_needs_manual_grade(summary):
    assert summary["correct"]["needs_manual_grade"] == "true"


def test_partial_credit(summary, autograded_max):
    score = float(summary["partial"]["score"])
    assert 0 < score < autograded_max


def test_partial_question_columns(summary):
    row = summary["partial"]
    assert float(row["q1"]) > float(row["q2"])


def test_partial_failure_message(graded):
    text = page_text(graded.feedback / "partial" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    assert "Colonnes manquantes dans `urgences`" in text


def test_endless_loop_flagged(summary):
    assert "cell-timeout" in summary["endless-loop"]["codes"]


def test_endless_loop_rest_graded(summary):
    assert float(summary["endless-loop"]["q1"]) > 0


def test_deleted_test_flagged(summary):
    assert "cell-deleted" in summary["deleted-test"]["codes"]


def test_deleted_test_restored(summary, autograded_max):
    assert float(summary["deleted-test"]["score"]) == autograded_max


def test_retyped_test_flagged(summary):
    assert "cell-type-changed" in summary["retyped-test"]["codes"]


def test_retyped_test_restored(summary, autograded_max):
    assert float(summary["retyped-test"]["score"]) == autograded_max


def test_split_cell_flagged(summary):
    assert "duplicate-grade-id" in summary["split-cell"]["codes"]


def test_split_cell_graded(summary, autograded_max):
    assert float(summary["split-cell"]["score"]) == autograded_max


def test_edited_test_flagged(summary):
    assert "test-cell-edited" in summary["edited-test"]["codes"]


def test_edited_metadata_flagged(summary):
    assert "metadata-edited" in summary["edited-test"]["codes"]


def test_edited_test_not_inflated(summary, autograded_max):
    # The emptied test is restored and fails on the wrong answer; its 100 points are ignored.
    assert float(summary["edited-test"]["score"]) < autograded_max


def test_edited_test_max_unchanged(summary):
    assert summary["edited-test"]["max_score"] == summary["correct"]["max_score"]


def test_edited_test_still_autograded(graded):
    rows = read_csv_rows(graded.grades / f"{ASSIGNMENT}-questions.csv")
    edited = [
        row
        for row in rows
        if row["student_id"] == "edited-test" and row["cell"] == "q4-valeur"
    ]
    assert edited[0]["auto_score"] == "0"


def test_fake_hidden_flagged(summary):
    assert "hidden-tests-text" in summary["fake-hidden"]["codes"]


def test_fake_hidden_graded(summary, autograded_max):
    assert float(summary["fake-hidden"]["score"]) == autograded_max


def test_fake_hidden_feedback_kept(graded):
    assert (
        graded.feedback / "fake-hidden" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    ).is_file()


def test_syntax_error_flagged(summary):
    assert "syntax-error" in summary["syntax-error"]["codes"]


def test_syntax_error_partial(summary, autograded_max):
    score = float(summary["syntax-error"]["score"])
    assert 0 < score < autograded_max


def test_huge_output_flagged(summary):
    assert "large-notebook" in summary["huge-output"]["codes"]


def test_huge_output_graded(summary, autograded_max):
    assert float(summary["huge-output"]["score"]) == autograded_max


def test_huge_output_truncated(graded):
    path = graded.autograded / "huge-output" / ASSIGNMENT / NOTEBOOK
    assert path.stat().st_size < 1_000_000


def test_renamed_flagged(summary):
    assert "renamed" in summary["renamed"]["codes"]


def test_renamed_graded(summary, autograded_max):
    assert float(summary["renamed"]["score"]) == autograded_max


def test_missing_data_flagged(summary):
    assert "missing-data-file" in summary["missing-data"]["codes"]


def test_missing_data_reason_names_path(summary):
    assert "Téléchargements" in summary["missing-data"]["reasons"]


def test_non_ascii_student_id(summary):
    assert "helene-cote" in summary


def test_non_ascii_name_kept(summary):
    assert summary["helene-cote"]["name"] == "Hélène Côté"


def test_non_ascii_graded(summary, autograded_max):
    assert float(summary["helene-cote"]["score"]) == autograded_max


def test_empty_file_failed(summary):
    assert summary["empty"]["status"] == "failed"


def test_empty_file_reason(summary):
    assert "empty-file" in summary["empty"]["codes"]


def test_empty_file_no_score(summary):
    assert summary["empty"]["score"] == ""


def test_no_cells_flagged(summary):
    assert "no-cells" in summary["no-cells"]["codes"]


def test_no_cells_zero(summary):
    assert float(summary["no-cells"]["score"]) == 0


def test_every_learner_in_csv(summary):
    expected = {
        "correct",
        "partial",
        "endless-loop",
        "deleted-test",
        "retyped-test",
        "split-cell",
        "edited-test",
        "syntax-error",
        "huge-output",
        "missing-data",
        "no-cells",
        "renamed",
        "helene-cote",
        "empty",
        "fake-hidden",
    }
    assert expected <= set(summary)


def test_feedback_hides_hidden_tests(graded):
    pages = list(graded.feedback.rglob("*.html"))
    leaked = [page for page in pages if "_fetch(" in page_text(page)]
    assert pages and not leaked


def test_feedback_report_no_failures(graded):
    report = read_csv(graded.reports / f"{ASSIGNMENT}-feedback.csv")
    failed = [student for student, row in report.items() if row["status"] == "failed"]
    assert failed == []


def test_course_grades_total(graded, summary):
    course_rows = read_csv(graded.grades / "course-grades.csv")
    assert course_rows["correct"]["total"] == summary["correct"]["score"]


def test_roster_records_name(graded):
    roster = read_csv(graded.root / "roster.csv")
    assert roster["helene-cote"]["name"] == "Hélène Côté"


@pytest.fixture(scope="module")
def graded_c_locale(tmp_path_factory) -> tuple[Course, subprocess.CompletedProcess]:
    """A Moodle zip export graded under LANG=C."""
    root = tmp_path_factory.mktemp("c-locale")
    course = course_copy(root / "course")
    released = run_instructor(course, "release", ASSIGNMENT, locale="C")
    assert released.returncode == 0, released.stderr
    release = course.release / ASSIGNMENT / NOTEBOOK
    source = course.source / ASSIGNMENT / NOTEBOOK
    export = root / "moodle.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            f"Hélène Côté_12345_assignsubmission_file_{NOTEBOOK}",
            nbformat.writes(synthetic.non_ascii(release, source)),
        )
        archive.writestr(
            f"Jean Tremblay_67890_assignsubmission_file_{ASSIGNMENT} (2).ipynb",
            nbformat.writes(synthetic.correct(release, source)),
        )
        archive.writestr(f"Éric Noël_24680_assignsubmission_file_{NOTEBOOK}", b"")
    result = run_instructor(course, "grade", ASSIGNMENT, str(export), locale="C")
    return course, result


def test_c_locale_exit_code(graded_c_locale):
    _, result = graded_c_locale
    assert result.returncode == 1, result.stdout + result.stderr


def test_c_locale_non_ascii_graded(graded_c_locale):
    course, _ = graded_c_locale
    rows = read_csv(course.grades / f"{ASSIGNMENT}-grades.csv")
    assert rows["helene-cote"]["status"] == "graded"


def test_c_locale_renamed(graded_c_locale):
    course, _ = graded_c_locale
    rows = read_csv(course.grades / f"{ASSIGNMENT}-grades.csv")
    assert "renamed" in rows["jean-tremblay"]["codes"]


def test_c_locale_empty_failed(graded_c_locale):
    course, _ = graded_c_locale
    rows = read_csv(course.grades / f"{ASSIGNMENT}-grades.csv")
    assert rows["eric-noel"]["status"] == "failed"


def test_c_locale_same_scores(graded_c_locale):
    course, _ = graded_c_locale
    rows = read_csv(course.grades / f"{ASSIGNMENT}-grades.csv")
    assert rows["helene-cote"]["score"] == rows["jean-tremblay"]["score"]
