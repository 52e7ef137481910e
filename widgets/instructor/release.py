"""Generate the learners' version of an assignment, and check that the solution scores full marks."""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from widgets.instructor.course import Course

logger = logging.getLogger(__name__)

# Text that must never reach learners.
INSTRUCTOR_ONLY = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
)
GENERATE_TIMEOUT = 300.0
SOLUTION_STUDENT = "solution"


class ReleaseError(RuntimeError):
    """``generate_assignment`` failed, or its output still holds instructor-only text."""


@dataclass
class SolutionCheck:
    """Autograded points of the solution notebook, against the autograded maximum."""

    assignment: str
    score: float
    max_score: float
    failed_cells: list[str]

    @property
    def full_marks(self) -> bool:
        """Whether every autograded test cell of the solution passed."""
        return not self.failed_cells and self.score == self.max_score


def release(course: Course, assignment: str) -> list[Path]:
    """Run ``nbgrader generate_assignment`` and check the learners' notebooks.

    Returns the release notebooks.

    Raises
    ------
    ReleaseError
        If nbgrader fails, or if a release notebook still contains a solution
        or hidden-test delimiter.
    """
    names = course.notebook_names(assignment)
    result = course.run_nbgrader(
        ["generate_assignment", assignment, "--force"], timeout=GENERATE_TIMEOUT
    )
    if result.returncode != 0:
        raise ReleaseError(
            f"generate_assignment {assignment} failed:\n{result.stdout[-3000:]}"
        )
    paths = [course.release / assignment / name for name in names]
    for path in paths:
        text = path.read_text("utf-8")
        leaked = [marker for marker in INSTRUCTOR_ONLY if marker in text]
        if leaked:
            raise ReleaseError(
                f"{path} still contains {leaked}: check the cell delimiters."
            )
    logger.info("Released %s: %s", assignment, [str(path) for path in paths])
    return paths


def check_solution(course: Course, assignment: str) -> SolutionCheck:
    """Autograde the source notebook, with its solutions, in a scratch copy of the course.

    The course folder itself is not touched.
    """
    with tempfile.TemporaryDirectory(prefix="solution-check-") as scratch:
        copy = Course(Path(scratch) / "course")
        (copy.source).mkdir(parents=True)
        shutil.copy2(
            course.root / "nbgrader_config.py", copy.root / "nbgrader_config.py"
        )
        shutil.copytree(course.source / assignment, copy.source / assignment)
        release(copy, assignment)
        target = copy.submitted / SOLUTION_STUDENT / assignment
        shutil.copytree(course.source / assignment, target)
        result = copy.run_nbgrader(
            ["autograde", assignment, "--student", SOLUTION_STUDENT, "--force"],
            timeout=GENERATE_TIMEOUT,
        )
        if result.returncode != 0:
            raise ReleaseError(
                f"autograding the solution of {assignment} failed:\n{result.stdout[-3000:]}"
            )
        return _solution_scores(copy, assignment)


def _solution_scores(course: Course, assignment: str) -> SolutionCheck:
    """Read the solution's autograded scores from the scratch gradebook."""
    score = 0.0
    max_score = 0.0
    failed: list[str] = []
    with Gradebook(course.db_url) as gradebook:
        submission = gradebook.find_submission(assignment, SOLUTION_STUDENT)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None:
                    continue
                score += grade.auto_score
                max_score += grade.max_score
                if grade.auto_score < grade.max_score:
                    failed.append(grade.name)
    return SolutionCheck(assignment, score, max_score, failed)
