"""The learner's check: run a saved exercise notebook and report its visible tests.

The notebook runs in a fresh kernel, as nbgrader runs it when grading, so a
learner sees the result of the visible tests on the file they will submit.
Test cells are the code cells whose nbgrader metadata says ``grade: true``
and ``solution: false``. Hidden tests are absent from the learner's copy:
the report says they run at grading time.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from widgets.grading import SELFCHECK_VARIABLE, message_in
from widgets.i18n import pick

logger = logging.getLogger(__name__)

TIMEOUT_ERROR_NAME = "CellTimeoutError"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CHECK_MARKERS = ("check_", "assert")


@dataclass
class TestOutcome:
    """The result of one visible test cell."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""
    hidden_only: bool = False


@dataclass
class SelfCheckResult:
    """The outcome of a learner's check of one notebook."""

    tests: list[TestOutcome] = field(default_factory=list)
    manual_questions: int = 0
    problem: str = ""

    @property
    def all_passed(self) -> bool:
        """Whether the notebook ran and every visible test passed."""
        return (
            not self.problem
            and bool(self.tests)
            and all(test.passed for test in self.tests)
        )

    @property
    def visible_tests(self) -> list[TestOutcome]:
        """The test cells that check something in the learner's copy."""
        return [test for test in self.tests if not test.hidden_only]

    @property
    def points(self) -> tuple[float, float]:
        """Points of the passed visible tests, and of all visible tests."""
        earned = sum(test.points for test in self.visible_tests if test.passed)
        return earned, sum(test.points for test in self.visible_tests)


def run_visible_tests(
    path: str | os.PathLike, *, timeout: int = 120, language: str | None = None
) -> SelfCheckResult:
    """Execute the notebook at ``path`` in a fresh kernel and grade its visible tests.

    Parameters
    ----------
    path
        The saved notebook.
    timeout
        Seconds allowed for each cell; a cell that runs longer is interrupted
        and its test counts as failed.
    language
        Language of the failure messages (the learner's one by default).
    """
    path = Path(path)
    result = SelfCheckResult()
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        result.problem = pick(
            f"Impossible de lire {path} comme un carnet Jupyter : {error}.",
            f"Could not read {path} as a Jupyter notebook: {error}.",
            language,
        )
        return result

    result.manual_questions = sum(1 for cell in notebook.cells if _is_manual(cell))
    client = NotebookClient(
        notebook,
        timeout=timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ERROR_NAME, "evalue": "", "traceback": []},
        kernel_name="python3",
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    previous = os.environ.get(SELFCHECK_VARIABLE)
    os.environ[SELFCHECK_VARIABLE] = "1"
    try:
        client.execute()
    except Exception as error:  # noqa: BLE001 - a dead kernel must still give a report
        logger.warning("Executing %s stopped: %s", path, error)
        result.problem = pick(
            f"L'exécution du carnet s'est arrêtée : {error}.",
            f"Running the notebook stopped: {error}.",
            language,
        )
    finally:
        if previous is None:
            os.environ.pop(SELFCHECK_VARIABLE, None)
        else:
            os.environ[SELFCHECK_VARIABLE] = previous

    for cell in notebook.cells:
        if _is_visible_test(cell):
            outcome = _outcome(cell, timeout, language)
            # A cell whose visible part only fetches the answer is checked by hidden tests.
            outcome.hidden_only = not any(
                marker in cell.source for marker in CHECK_MARKERS
            )
            result.tests.append(outcome)
    return result


def format_report(
    result: SelfCheckResult, path: str | os.PathLike, language: str | None
) -> str:
    """Return the learner's report of ``result`` as text."""
    lines = [
        pick(
            f"Vérification de {Path(path).name}",
            f"Checking {Path(path).name}",
            language,
        )
    ]
    if result.problem:
        lines.append(result.problem)
    if not result.tests and not result.problem:
        lines.append(
            pick(
                "Aucune cellule de test trouvée : le carnet a-t-il perdu ses cellules de "
                "test? Repartez du carnet distribué.",
                "No test cell found: has the notebook lost its test cells? Start again "
                "from the released notebook.",
                language,
            )
        )
    for test in result.tests:
        if test.hidden_only and test.passed:
            mark = pick("à la correction", "at grading", language)
        elif test.passed:
            mark = pick("réussi", "passed", language)
        else:
            mark = pick("échoué", "failed", language)
        lines.append(f"  [{mark}] {test.grade_id} ({test.points:g} pt)")
        if test.message:
            lines.extend("      " + line for line in test.message.splitlines())
    earned, total = result.points
    lines.append(
        pick(
            f"Tests visibles : {earned:g} / {total:g} points.",
            f"Visible tests: {earned:g} / {total:g} points.",
            language,
        )
    )
    lines.append(
        pick(
            "Des tests cachés s'exécuteront à la correction : réussir les tests visibles "
            "ne garantit pas tous les points.",
            "Hidden tests run at grading: passing the visible tests does not guarantee "
            "full marks.",
            language,
        )
    )
    if result.manual_questions:
        lines.append(
            pick(
                f"{result.manual_questions} réponse(s) rédigée(s) seront corrigées à la main.",
                f"{result.manual_questions} written answer(s) will be graded by hand.",
                language,
            )
        )
    return "\n".join(lines)


def _outcome(
    cell: nbformat.NotebookNode, timeout: int, language: str | None
) -> TestOutcome:
    """Build the outcome of one executed test cell from its outputs."""
    metadata = cell.metadata["nbgrader"]
    grade_id = metadata.get("grade_id", "?")
    points = float(metadata.get("points", 0))
    errors = [
        output
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    if cell.get("execution_count") is None and not errors:
        message = pick("Cellule non exécutée.", "Cell not run.", language)
        return TestOutcome(grade_id, points, False, message)
    if not errors:
        return TestOutcome(grade_id, points, True)
    error = errors[0]
    if error.get("ename") == TIMEOUT_ERROR_NAME:
        message = pick(
            f"Temps dépassé ({timeout} s) : une boucle sans fin?",
            f"Timed out ({timeout} s): an endless loop?",
            language,
        )
    elif error.get("ename") in {"AssertionError", "CheckFailed"} and error.get(
        "evalue"
    ):
        message = message_in(error["evalue"], language)
    else:
        message = ANSI_ESCAPE.sub("", f"{error.get('ename')}: {error.get('evalue')}")
    return TestOutcome(grade_id, points, False, message)


def _is_visible_test(cell: nbformat.NotebookNode) -> bool:
    """Return whether ``cell`` is an autograded test cell."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return (
        cell.cell_type == "code"
        and metadata.get("grade")
        and not metadata.get("solution")
    )


def _is_manual(cell: nbformat.NotebookNode) -> bool:
    """Return whether ``cell`` is an answer graded by hand."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return (
        cell.cell_type == "markdown"
        and metadata.get("grade")
        and metadata.get("solution")
    )
