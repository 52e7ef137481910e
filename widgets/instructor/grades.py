"""Export grades from the nbgrader gradebook as CSV files.

Per assignment, two files in ``grades/``:

- ``<assignment>-grades.csv``: one row per learner, with the total, one
  column per question (``q1``, ``q2``…) and the batch status and reasons;
- ``<assignment>-questions.csv``: one row per learner and graded cell.

And ``grades/course-grades.csv``: one row per learner, one column per
assignment. A learner whose submission could not be graded still has a row,
with an empty score and the reason.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from nbgrader.api import Gradebook

from widgets.instructor.course import Course
from widgets.instructor.report import read_report

logger = logging.getLogger(__name__)

QUESTION_FIELDS = [
    "student_id",
    "assignment",
    "notebook",
    "question",
    "cell",
    "cell_type",
    "auto_score",
    "manual_score",
    "score",
    "max_score",
    "needs_manual_grade",
]


def question_of(cell_name: str) -> str:
    """Return the question a graded cell belongs to: ``q1-forme`` gives ``q1``."""
    return cell_name.split("-", 1)[0]


def export_grades(course: Course, assignments: list[str] | None = None) -> list[Path]:
    """Write the grade files of ``assignments`` (all in the gradebook by default).

    Returns the paths written.
    """
    written: list[Path] = []
    totals: dict[str, dict[str, str]] = {}
    with Gradebook(course.db_url) as gradebook:
        names = assignments or [assignment.name for assignment in gradebook.assignments]
        for name in names:
            summary, questions = _assignment_rows(gradebook, course, name)
            written.append(_write(course.grades / f"{name}-grades.csv", summary))
            written.append(
                _write(
                    course.grades / f"{name}-questions.csv", questions, QUESTION_FIELDS
                )
            )
            for row in summary:
                entry = totals.setdefault(
                    row["student_id"],
                    {"student_id": row["student_id"], "name": row["name"]},
                )
                entry[name] = row["score"]
    course_rows = sorted(totals.values(), key=lambda row: row["student_id"])
    for row in course_rows:
        scores = [float(row[name]) for name in names if row.get(name)]
        row["total"] = f"{sum(scores):g}"
    fields = ["student_id", "name", *names, "total"]
    written.append(_write(course.grades / "course-grades.csv", course_rows, fields))
    return written


def _assignment_rows(
    gradebook: Gradebook, course: Course, name: str
) -> tuple[list[dict], list[dict]]:
    """Return the summary rows and the per-cell rows of one assignment."""
    assignment = gradebook.find_assignment(name)
    status = read_report(course.reports / f"{name}-autograde.csv")
    collected = read_report(course.reports / f"{name}-collect.csv")
    graded_ids = {submission.student.id for submission in assignment.submissions}
    cells = [
        (notebook.name, cell)
        for notebook in assignment.notebooks
        for cell in notebook.grade_cells
    ]
    question_names = sorted({question_of(cell.name) for _, cell in cells})
    max_by_question = {
        question: sum(
            cell.max_score for _, cell in cells if question_of(cell.name) == question
        )
        for question in question_names
    }

    summary: list[dict] = []
    questions: list[dict] = []
    for student in sorted(graded_ids | set(status) | set(collected)):
        report = status.get(student) or collected.get(student) or {}
        row = {
            "student_id": student,
            "name": report.get("name", ""),
            "lms_id": report.get("lms_id", ""),
            "assignment": name,
            "score": "",
            "max_score": f"{assignment.max_score:g}",
            "needs_manual_grade": "",
            "status": report.get("status", "graded"),
            "codes": report.get("codes", ""),
            "reasons": report.get("reasons", ""),
        }
        if student in graded_ids and row["status"] != "failed":
            by_question = _fill_from_gradebook(gradebook, name, student, row, questions)
            for question in question_names:
                row[question] = f"{by_question.get(question, 0.0):g}"
        summary.append(row)
    logger.info(
        "%s: %d learners, maximum by question %s", name, len(summary), max_by_question
    )
    return summary, questions


def _fill_from_gradebook(
    gradebook: Gradebook, name: str, student: str, row: dict, questions: list[dict]
) -> dict[str, float]:
    """Copy one submission's scores into ``row`` and ``questions``; return scores by question."""
    submission = gradebook.find_submission(name, student)
    row["score"] = f"{submission.score:g}"
    row["needs_manual_grade"] = str(bool(submission.needs_manual_grade)).lower()
    by_question: dict[str, float] = {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            question = question_of(grade.name)
            by_question[question] = by_question.get(question, 0.0) + (
                grade.score or 0.0
            )
            questions.append(
                {
                    "student_id": student,
                    "assignment": name,
                    "notebook": notebook.name,
                    "question": question,
                    "cell": grade.name,
                    "cell_type": grade.cell.cell_type,
                    "auto_score": _number(grade.auto_score),
                    "manual_score": _number(grade.manual_score),
                    "score": _number(grade.score),
                    "max_score": _number(grade.max_score),
                    "needs_manual_grade": str(bool(grade.needs_manual_grade)).lower(),
                }
            )
    return by_question


def _number(value: float | None) -> str:
    """Format a score; an empty string for a score not given yet."""
    return "" if value is None else f"{value:g}"


def _write(path: Path, rows: list[dict], fields: list[str] | None = None) -> Path:
    """Write ``rows`` as CSV to ``path`` (UTF-8 with BOM, which spreadsheet programs detect)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fields is None:
        fields = []
        for row in rows:
            fields.extend(key for key in row if key not in fields)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(rows)
    logger.info("Wrote %s", path)
    return path
