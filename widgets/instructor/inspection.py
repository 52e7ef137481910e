"""Find what a learner changed in a notebook's structure, before and after autograding.

Before grading, a submission is compared with the release notebook: deleted,
retyped, duplicated or edited nbgrader cells are listed (nbgrader repairs
most of them, and the instructor should know). After grading, the outputs
of the graded notebook show which cells timed out, which read a file that
does not exist, and which did not parse.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import nbformat

from widgets.instructor.report import Record

logger = logging.getLogger(__name__)

HIDDEN_TESTS_DELIMITER = "BEGIN HIDDEN TESTS"
LARGE_NOTEBOOK_BYTES = 5 * 1024 * 1024
CHECKED_FLAGS = ("grade", "solution", "locked", "points")


def inspect_submission(submitted: Path, release: Path, record: Record) -> bool:
    """Compare the submitted notebook with the release one and record the differences.

    Returns False when the submission cannot be graded at all (missing,
    empty or not a notebook), and the record then holds the reason.
    """
    if not submitted.is_file():
        record.fail("missing-notebook", f"no file {submitted.name} in the submission")
        return False
    size = submitted.stat().st_size
    if size == 0:
        record.fail("empty-file", f"{submitted.name} is empty (0 bytes)")
        return False
    try:
        notebook = nbformat.read(submitted, as_version=4)
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError, KeyError) as error:
        record.fail(
            "invalid-notebook", f"{submitted.name} is not a valid notebook: {error}"
        )
        return False
    if size > LARGE_NOTEBOOK_BYTES:
        record.flag(
            "large-notebook",
            f"{submitted.name} is {size / 1e6:.1f} MB (outputs are cleared before grading)",
        )
    if not notebook.cells:
        record.flag(
            "no-cells",
            f"{submitted.name} has no cells; it scores 0",
        )
        return True

    reference = _cells_by_id(nbformat.read(release, as_version=4))
    _compare_cells(notebook, reference, record)
    return True


def repair_submission(submitted: Path, release: Path) -> int:
    """Undo the metadata changes nbgrader would not undo, in place; return the cells fixed.

    Two repairs, both needed with nbgrader 0.9.6:

    - the repeats of a grade id (a split cell) lose their nbgrader metadata
      and run as plain code. nbgrader empties that metadata instead, which its
      own format check then rejects, failing the whole submission;
    - every other nbgrader cell gets the release's metadata back. nbgrader
      restores the points and the locked flag, but a test cell marked as a
      solution would otherwise leave autograding for hand grading.
    """
    notebook = nbformat.read(submitted, as_version=4)
    reference = _cells_by_id(nbformat.read(release, as_version=4))
    seen: set[str] = set()
    repaired = 0
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not grade_id:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            repaired += 1
            continue
        seen.add(grade_id)
        if grade_id in reference:
            original = dict(reference[grade_id].metadata["nbgrader"])
            if cell.metadata["nbgrader"] != original:
                cell.metadata["nbgrader"] = original
                repaired += 1
    if repaired:
        nbformat.write(notebook, submitted)
        logger.info(
            "Repaired the nbgrader metadata of %d cells of %s", repaired, submitted
        )
    return repaired


def inspect_graded(graded: Path, record: Record) -> None:
    """Record the cells of a graded notebook that timed out or failed for a notable reason."""
    notebook = nbformat.read(graded, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            _record_error(output, label, record)


def _compare_cells(
    notebook: nbformat.NotebookNode, reference: dict, record: Record
) -> None:
    """Record deleted, duplicated, retyped, unknown and edited nbgrader cells."""
    ids = [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]
    for grade_id, count in Counter(ids).items():
        if count > 1:
            record.flag(
                "duplicate-grade-id",
                f"{count} cells share the id {grade_id!r} (split cell?); the repeats run as plain code",
            )
    for grade_id in ids:
        if grade_id not in reference:
            record.flag(
                "unknown-grade-id",
                f"cell id {grade_id!r} is not in the release; ignored",
            )
    seen = set(ids)
    for grade_id, original in reference.items():
        if grade_id not in seen:
            kind = "test" if _is_test(original) else "answer"
            record.flag(
                "cell-deleted",
                f"{kind} cell {grade_id!r} was deleted; nbgrader adds it back",
            )

    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in reference:
            continue
        original = reference[grade_id]
        if cell.cell_type != original.cell_type:
            record.flag(
                "cell-type-changed",
                f"cell {grade_id!r} changed from {original.cell_type} to {cell.cell_type}; restored",
            )
        changed = [
            flag
            for flag in CHECKED_FLAGS
            if cell.metadata["nbgrader"].get(flag)
            != original.metadata["nbgrader"].get(flag)
        ]
        if changed:
            record.flag(
                "metadata-edited",
                f"nbgrader metadata of {grade_id!r} edited ({', '.join(changed)}); restored",
            )
        if _is_test(original) and cell.source.strip() != original.source.strip():
            record.flag(
                "test-cell-edited",
                f"test cell {grade_id!r} was edited; restored from the source",
            )
    for cell in notebook.cells:
        if HIDDEN_TESTS_DELIMITER in cell.get("source", "") and not _is_test(cell):
            record.flag(
                "hidden-tests-text", "a learner cell contains the hidden-test delimiter"
            )
            break


def _record_error(output: dict, label: str, record: Record) -> None:
    """Add the flag matching one error output of a graded notebook."""
    name = output.get("ename", "")
    value = str(output.get("evalue", ""))[:200]
    if name == "CellTimeoutError":
        record.flag(
            "cell-timeout",
            f"{label}: interrupted after the per-cell timeout (endless loop?)",
        )
    elif name == "FileNotFoundError":
        record.flag("missing-data-file", f"{label}: {value}")
    elif name in {"SyntaxError", "IndentationError", "TabError"}:
        record.flag("syntax-error", f"{label}: {name}: {value}")
    elif name in {"DownloadError", "ChecksumMismatchError"}:
        record.flag("data-unavailable", f"{label}: {name}: {value}")
    elif name in {"PortalUnavailableError", "PortalTimeoutError"}:
        record.flag("api-unavailable", f"{label}: {name}: {value}")
    elif name in {"MemoryError", "DeadKernelError"}:
        record.flag("kernel-failure", f"{label}: {name}")


def _cells_by_id(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Return the nbgrader cells of ``notebook`` by grade id."""
    cells = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            cells[grade_id] = cell
    return cells


def _is_test(cell: nbformat.NotebookNode) -> bool:
    """Return whether ``cell`` is an autograded test cell."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return bool(metadata.get("grade")) and not metadata.get("solution")
