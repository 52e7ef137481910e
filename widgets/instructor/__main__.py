"""Command line of the instructor's workflow: ``python -m widgets.instructor COMMAND``.

Commands, each for one assignment unless stated:

- ``release A``: generate the learners' version in ``release/A/``;
- ``check-solution A``: autograde the solution in a scratch copy, expect full marks;
- ``collect A SOURCE``: copy submissions from a folder or an LMS zip export;
- ``autograde A``: grade every submission, in parallel, with a report;
- ``feedback A``: write feedback pages without hidden tests;
- ``export [A ...]``: write the grade CSV files;
- ``grade A SOURCE``: collect, autograde, feedback and export in one go.

Give ``all`` as the assignment to run ``release`` or ``check-solution`` on
every assignment.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

import widgets
from widgets.instructor import batch, grades, release, submissions
from widgets.instructor.course import Course
from widgets.instructor.report import Record

logger = logging.getLogger("widgets.instructor")

DEFAULT_COURSE = Path(widgets.__file__).resolve().parent.parent / "exercises"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (1 if any submission failed)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        course = Course.at(arguments.course)
        return arguments.run(course, arguments)
    except (FileNotFoundError, batch.PreflightError, release.ReleaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _release(course: Course, arguments: argparse.Namespace) -> int:
    for assignment in _assignments(course, arguments.assignment):
        paths = release.release(course, assignment)
        print(f"{assignment}: " + ", ".join(str(path) for path in paths))
    return 0


def _check_solution(course: Course, arguments: argparse.Namespace) -> int:
    code = 0
    for assignment in _assignments(course, arguments.assignment):
        result = release.check_solution(course, assignment)
        verdict = (
            "full marks" if result.full_marks else f"FAILED cells {result.failed_cells}"
        )
        print(
            f"{assignment}: {result.score:g} / {result.max_score:g} autograded points, {verdict}"
        )
        code = code or (0 if result.full_marks else 1)
    return code


def _collect(course: Course, arguments: argparse.Namespace) -> int:
    records = submissions.collect(course, arguments.assignment, Path(arguments.source))
    return _summarise("collect", arguments.assignment, records, course)


def _autograde(course: Course, arguments: argparse.Namespace) -> int:
    records = batch.autograde(
        course,
        arguments.assignment,
        students=arguments.student or None,
        workers=arguments.workers,
        timeout=arguments.timeout,
    )
    return _summarise("autograde", arguments.assignment, records, course)


def _feedback(course: Course, arguments: argparse.Namespace) -> int:
    records = batch.generate_feedback(
        course,
        arguments.assignment,
        students=arguments.student or None,
        workers=arguments.workers,
        timeout=arguments.timeout,
    )
    return _summarise("feedback", arguments.assignment, records, course)


def _export(course: Course, arguments: argparse.Namespace) -> int:
    for path in grades.export_grades(course, arguments.assignment or None):
        print(path)
    return 0


def _grade(course: Course, arguments: argparse.Namespace) -> int:
    codes = [_collect(course, arguments)]
    arguments.student = []
    codes.append(_autograde(course, arguments))
    codes.append(_feedback(course, arguments))
    arguments.assignment = [arguments.assignment]
    codes.append(_export(course, arguments))
    return max(codes)


def _summarise(
    step: str, assignment: str, records: list[Record], course: Course
) -> int:
    """Print one line per submission that needs attention and a count by status."""
    for record in records:
        if record.status in {"flagged", "failed"}:
            print(
                f"  {record.status:8} {record.student_id or record.source}: {' | '.join(record.reasons)}"
            )
    counts = Counter(record.status for record in records)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    print(
        f"{step} {assignment}: {summary or 'nothing to do'} (report in {course.reports})"
    )
    return 1 if counts.get("failed") else 0


def _assignments(course: Course, name: str) -> list[str]:
    if name == "all":
        return course.assignments()
    course.notebook_names(name)
    return [name]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m widgets.instructor",
        description="Release, collect, autograde, give feedback on and export the graded exercises.",
    )
    parser.add_argument(
        "--course",
        default=str(DEFAULT_COURSE),
        help="nbgrader course folder (default: %(default)s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("release", help="generate the learners' version")
    command.add_argument("assignment", help="assignment name, or 'all'")
    command.set_defaults(run=_release)

    command = commands.add_parser(
        "check-solution", help="check that the solution scores full marks"
    )
    command.add_argument("assignment", help="assignment name, or 'all'")
    command.set_defaults(run=_check_solution)

    command = commands.add_parser(
        "collect", help="copy submissions from a folder or an LMS zip"
    )
    command.add_argument("assignment")
    command.add_argument(
        "source",
        help="folder or .zip file (Moodle, Brightspace or one folder per learner)",
    )
    command.set_defaults(run=_collect)

    for name, run, help_text in (
        ("autograde", _autograde, "grade every submission"),
        ("feedback", _feedback, "write feedback pages without hidden tests"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("assignment")
        _add_batch_options(command)
        command.set_defaults(run=run)

    command = commands.add_parser(
        "export", help="write grade CSV files from the gradebook"
    )
    command.add_argument(
        "assignment", nargs="*", help="assignments to export (default: all)"
    )
    command.set_defaults(run=_export)

    command = commands.add_parser(
        "grade", help="collect, autograde, feedback and export"
    )
    command.add_argument("assignment")
    command.add_argument("source", help="folder or .zip file of submissions")
    _add_batch_options(command)
    command.set_defaults(run=_grade)
    return parser


def _add_batch_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--workers",
        type=int,
        default=batch.default_workers(),
        help="submissions processed at the same time (default: the cores, at most 4: %(default)s)",
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=batch.DEFAULT_SUBMISSION_TIMEOUT,
        help="seconds allowed for one whole submission (default: %(default)s)",
    )
    command.add_argument(
        "--student",
        action="append",
        default=[],
        help="grade only this student id (repeatable)",
    )


if __name__ == "__main__":
    sys.exit(main())
