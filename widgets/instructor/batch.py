"""Autograde and generate feedback for every submission, one nbgrader process each.

Each submission runs in its own ``nbgrader autograde --student ID`` process
with a wall-clock limit, ``workers`` of them at a time. One process per
submission costs about a second of start-up, and buys isolation: a
submission that crashes nbgrader or hangs its kernel is recorded as failed
and the batch goes on. The processes share the SQLite gradebook, whose
short write transactions wait for one another; a write that still finds the
database locked is retried.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from widgets.instructor.course import Course
from widgets.instructor.inspection import (
    inspect_graded,
    inspect_submission,
    repair_duplicate_ids,
)
from widgets.instructor.report import Record, read_report, write_report

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
DEFAULT_SUBMISSION_TIMEOUT = 900.0
FETCH_CALL = re.compile(r"""fetch\(\s*["']([\w.-]+)["']\s*\)""")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
LOCKED_MARKERS = ("database is locked", "OperationalError")
MAX_LOCK_RETRIES = 3
ERROR_LINE = re.compile(r"\| ERROR\]\s*(.*)")
HTML_TAG = re.compile(r"<[^>]+>")
# nbgrader's error lines that only point at the traceback.
GENERIC_ERRORS = ("There was an error processing", "Traceback", "Please see")


class PreflightError(RuntimeError):
    """The course cannot grade an assignment at all (no release, no data)."""


def preflight(course: Course, assignment: str) -> list[str]:
    """Check that ``assignment`` can be graded; return the dataset ids it fetches.

    Raises
    ------
    PreflightError
        If the release version is missing or a data file cannot be fetched.
        Grading without the data would give every learner 0.
    """
    from widgets.fetch import fetch

    missing = [
        name
        for name in course.notebook_names(assignment)
        if not (course.release / assignment / name).is_file()
    ]
    if missing:
        raise PreflightError(
            f"No release version of {assignment!r} ({missing}): run "
            f"'python -m widgets.instructor release {assignment}' first."
        )
    dataset_ids = sorted(
        {
            match
            for name in course.notebook_names(assignment)
            for match in FETCH_CALL.findall(
                (course.source / assignment / name).read_text("utf-8")
            )
        }
    )
    for dataset_id in dataset_ids:
        try:
            fetch(dataset_id)
        except Exception as error:
            raise PreflightError(
                f"Data file {dataset_id!r} of {assignment!r} is unavailable: {error} "
                "Set DONNEESQC_MIRROR to the course mirror before grading."
            ) from error
    return dataset_ids


def autograde(
    course: Course,
    assignment: str,
    *,
    students: list[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    timeout: float = DEFAULT_SUBMISSION_TIMEOUT,
) -> list[Record]:
    """Autograde the submissions of ``assignment``; write and return the report.

    Parameters
    ----------
    students
        Student ids to grade; all the submitted ones by default.
    workers
        Submissions graded at the same time.
    timeout
        Seconds allowed for one submission, as a whole; cells have their own
        limit (``Execute.timeout`` in ``nbgrader_config.py``).
    """
    preflight(course, assignment)
    students = students if students is not None else course.students(assignment)
    collected = read_report(course.reports / f"{assignment}-collect.csv")
    logger.info(
        "Autograding %d submissions of %s with %d workers",
        len(students),
        assignment,
        workers,
    )

    def grade(student: str) -> Record:
        record = _record_for(student, collected.get(student, {}))
        started = time.monotonic()
        try:
            _grade_one(course, assignment, student, timeout, record)
        except Exception as error:
            logger.exception("Autograding %s failed", student)
            record.fail("internal-error", f"{type(error).__name__}: {error}")
        record.seconds = time.monotonic() - started
        return record

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        records = list(pool.map(grade, students))
    write_report(course.reports / f"{assignment}-autograde.csv", records)
    return records


def generate_feedback(
    course: Course,
    assignment: str,
    *,
    students: list[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    timeout: float = 300.0,
) -> list[Record]:
    """Write the feedback pages of the graded submissions; write and return the report.

    A page that still contains the code of a hidden test is deleted and its
    submission marked as failed.
    """
    if students is None:
        folder = course.autograded
        students = (
            sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())
            if folder.is_dir()
            else []
        )
    hidden_lines = _hidden_test_lines(course, assignment)

    def write_one(student: str) -> Record:
        record = Record(student_id=student, status="done")
        started = time.monotonic()
        try:
            _feedback_one(course, assignment, student, timeout, hidden_lines, record)
        except Exception as error:
            logger.exception("Feedback for %s failed", student)
            record.fail("internal-error", f"{type(error).__name__}: {error}")
        record.seconds = time.monotonic() - started
        return record

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        records = list(pool.map(write_one, students))
    write_report(course.reports / f"{assignment}-feedback.csv", records)
    return records


def _grade_one(
    course: Course, assignment: str, student: str, timeout: float, record: Record
) -> None:
    """Inspect, autograde and check one submission, filling ``record``."""
    folder = course.submitted / student / assignment
    expected = course.notebook_names(assignment)
    _rename_lone_notebook(folder, expected, record)
    gradable = [
        name
        for name in expected
        if inspect_submission(folder / name, course.release / assignment / name, record)
    ]
    if not gradable:
        _remove_graded(course, assignment, student)
        return
    if "duplicate-grade-id" in record.codes:
        for name in gradable:
            repair_duplicate_ids(folder / name, record)

    arguments = ["autograde", assignment, "--student", student, "--force"]
    result = _run_with_retries(course, arguments, timeout, record)
    if result is None:
        return
    if result.returncode != 0:
        # Restoring deleted cells fails when the answer cell before a test is
        # also gone: grade without restoring rather than not at all.
        retry = arguments + ["--OverwriteCells.add_missing_cells=False"]
        second = _run_with_retries(course, retry, timeout, record)
        if second is None:
            return
        if second.returncode != 0:
            record.fail("autograde-error", _error_summary(second.stdout))
            return
        record.flag(
            "graded-without-restoring",
            f"first attempt failed: {_error_summary(result.stdout)}",
        )

    for name in gradable:
        graded = course.autograded / student / assignment / name
        if not graded.is_file():
            record.fail("autograde-error", f"nbgrader wrote no graded notebook {name}")
            return
        inspect_graded(graded, record)
    if not record.status or record.status == "collected":
        record.status = "graded"


def _run_with_retries(
    course: Course, arguments: list[str], timeout: float, record: Record
) -> subprocess.CompletedProcess | None:
    """Run nbgrader, retrying while the gradebook is locked; None after a timeout."""
    for attempt in range(MAX_LOCK_RETRIES + 1):
        try:
            result = course.run_nbgrader(arguments, timeout=timeout)
        except subprocess.TimeoutExpired:
            record.fail(
                "submission-timeout",
                f"grading took more than {timeout:g} s and was stopped",
            )
            return None
        locked = result.returncode != 0 and any(
            marker in result.stdout for marker in LOCKED_MARKERS
        )
        if not locked or attempt == MAX_LOCK_RETRIES:
            return result
        logger.warning(
            "Gradebook locked while running %s; retrying", " ".join(arguments)
        )
        time.sleep(1.0 + attempt)
    return result


def _feedback_one(
    course: Course,
    assignment: str,
    student: str,
    timeout: float,
    hidden_lines: list[str],
    record: Record,
) -> None:
    """Generate and check the feedback pages of one student."""
    arguments = ["generate_feedback", assignment, "--student", student, "--force"]
    try:
        result = course.run_nbgrader(arguments, timeout=timeout)
    except subprocess.TimeoutExpired:
        record.fail(
            "feedback-timeout", f"feedback took more than {timeout:g} s and was stopped"
        )
        return
    if result.returncode != 0:
        record.fail("feedback-error", _error_summary(result.stdout))
        return
    pages = sorted((course.feedback / student / assignment).glob("*.html"))
    if not pages:
        record.fail("feedback-error", "nbgrader wrote no feedback page")
        return
    for page in pages:
        # Code in the page is split into highlighting spans: compare its text.
        text = html.unescape(
            HTML_TAG.sub("", page.read_text("utf-8", errors="replace"))
        )
        leaked = [line for line in hidden_lines if line in text]
        if "BEGIN HIDDEN TESTS" in text or leaked:
            page.unlink()
            record.fail(
                "hidden-test-leak", f"{page.name} showed hidden test code; page deleted"
            )


def _rename_lone_notebook(folder: Path, expected: list[str], record: Record) -> None:
    """Give a lone notebook saved under another name the expected name."""
    if not folder.is_dir() or len(expected) != 1 or (folder / expected[0]).exists():
        return
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) == 1:
        notebooks[0].rename(folder / expected[0])
        record.flag(
            "renamed",
            f"{notebooks[0].name!r} saved under another name; graded as {expected[0]!r}",
        )


def _remove_graded(course: Course, assignment: str, student: str) -> None:
    """Remove an earlier graded copy, so a submission that became ungradable shows no old grade."""
    stale = course.autograded / student / assignment
    if stale.is_dir():
        shutil.rmtree(stale)


def _record_for(student: str, collected: dict[str, str]) -> Record:
    """Start a record, carrying over what the collect step noted."""
    record = Record(
        student_id=student,
        name=collected.get("name", ""),
        lms_id=collected.get("lms_id", ""),
        source=collected.get("source", ""),
        status="graded",
    )
    for code, reason in zip(
        filter(None, collected.get("codes", "").split(";")),
        filter(None, collected.get("reasons", "").split(" | ")),
    ):
        if code in {"renamed", "extra-files"}:
            record.flag(code, reason)
    return record


def _error_summary(output: str) -> str:
    """Return the exception and the specific nbgrader error of ``output``, shortened."""
    exceptions = [
        line.strip()
        for line in output.splitlines()
        if re.match(r"\s*[\w.]+(Error|Exception):", line)
    ]
    errors = [
        match.strip()
        for match in ERROR_LINE.findall(output)
        if match.strip() and not match.strip().startswith(GENERIC_ERRORS)
    ]
    parts = exceptions[-1:] + errors[:1]
    if not parts:
        parts = output.strip().splitlines()[-1:]
    return "; ".join(parts)[:500]


def _hidden_test_lines(course: Course, assignment: str) -> list[str]:
    """Return the distinctive lines (30 characters or more) of the hidden tests of ``assignment``."""
    lines = []
    for name in course.notebook_names(assignment):
        notebook = nbformat.read(course.source / assignment / name, as_version=4)
        for cell in notebook.cells:
            inside = False
            for line in cell.source.splitlines():
                if HIDDEN_BEGIN in line:
                    inside = True
                elif HIDDEN_END in line:
                    inside = False
                elif inside and len(line.strip()) >= 30:
                    lines.append(line.strip())
    return lines


def default_workers() -> int:
    """Return the default number of parallel gradings: the cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
