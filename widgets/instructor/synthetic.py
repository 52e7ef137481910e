"""Synthetic submissions made from the release notebook, for tests and benchmarks.

A correct submission is the release notebook with each answer cell filled
with the solution from the source notebook. The other kinds damage it the
way learners do: wrong answers, an endless loop, deleted or retyped test
cells, a split cell, edited metadata, a syntax error, a huge output, a
local file path, non-ASCII text, an empty file or a notebook with no cells.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable
from pathlib import Path

import nbformat

SOLUTION_REGION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_REGION = re.compile(
    r"^### BEGIN HIDDEN TESTS\n.*?^### END HIDDEN TESTS\n?", re.MULTILINE | re.DOTALL
)
HUGE_OUTPUT_CHARACTERS = 6_000_000


def solutions(source: Path) -> dict[str, str]:
    """Return the solution text of each answer cell of the source notebook, by grade id."""
    notebook = nbformat.read(source, as_version=4)
    answers = {}
    for cell in notebook.cells:
        metadata = cell.metadata.get("nbgrader", {})
        if metadata.get("solution"):
            answers[metadata["grade_id"]] = SOLUTION_REGION.sub("", cell.source).strip(
                "\n"
            )
    return answers


def filled(
    release: Path, source: Path, replace: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    """Return the release notebook with every answer filled; ``replace`` overrides some answers."""
    notebook = nbformat.read(release, as_version=4)
    answers = {**solutions(source), **(replace or {})}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def learner_view(
    source: Path, replace: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    """Return the source notebook as a learner who answered with the solutions would have it.

    Hidden tests are removed and the solution delimiters dropped, with no
    nbgrader run; ``replace`` overrides some answers.
    """
    notebook = nbformat.read(source, as_version=4)
    answers = {**solutions(source), **(replace or {})}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
        cell.source = HIDDEN_REGION.sub("", cell.source)
    return notebook


def test_cell_ids(notebook: nbformat.NotebookNode) -> list[str]:
    """Return the grade ids of the autograded test cells, in order."""
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    ]


def answer_cell_ids(notebook: nbformat.NotebookNode) -> list[str]:
    """Return the grade ids of the autograded answer (code solution) cells, in order."""
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("solution")
    ]


def delete_cell(
    notebook: nbformat.NotebookNode, grade_id: str
) -> nbformat.NotebookNode:
    """Return ``notebook`` without the cell ``grade_id``."""
    result = copy.deepcopy(notebook)
    result.cells = [cell for cell in result.cells if _grade_id(cell) != grade_id]
    return result


def retype_cell(
    notebook: nbformat.NotebookNode, grade_id: str
) -> nbformat.NotebookNode:
    """Return ``notebook`` with the code cell ``grade_id`` turned into a markdown cell."""
    result = copy.deepcopy(notebook)
    for index, cell in enumerate(result.cells):
        if _grade_id(cell) == grade_id:
            markdown = nbformat.v4.new_markdown_cell(
                cell.source, metadata=cell.metadata
            )
            markdown["id"] = cell.get("id", markdown["id"])
            result.cells[index] = markdown
    return result


def split_cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """Return ``notebook`` with the cell ``grade_id`` split in two cells sharing its metadata."""
    result = copy.deepcopy(notebook)
    for index, cell in enumerate(result.cells):
        if _grade_id(cell) == grade_id:
            lines = cell.source.splitlines()
            middle = _statement_boundary(lines)
            second = copy.deepcopy(cell)
            second["id"] = cell["id"] + "-2"
            cell.source = "\n".join(lines[:middle])
            second.source = "\n".join(lines[middle:]) or "pass"
            result.cells.insert(index + 1, second)
            break
    return result


def edit_test_cell(
    notebook: nbformat.NotebookNode, grade_id: str
) -> nbformat.NotebookNode:
    """Return ``notebook`` with the test ``grade_id`` emptied, worth 100 points, unlocked and marked as an answer."""
    result = copy.deepcopy(notebook)
    for cell in result.cells:
        if _grade_id(cell) == grade_id:
            cell.source = "# test désactivé\npass"
            cell.metadata["nbgrader"]["points"] = 100
            cell.metadata["nbgrader"]["locked"] = False
            cell.metadata["nbgrader"]["solution"] = True
            cell.metadata["editable"] = True
    return result


def add_code_cell(
    notebook: nbformat.NotebookNode, source: str, *, output: str = ""
) -> nbformat.NotebookNode:
    """Return ``notebook`` with a plain code cell appended after the first cell."""
    result = copy.deepcopy(notebook)
    cell = nbformat.v4.new_code_cell(source)
    if output:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    result.cells.insert(1, cell)
    return result


def write(notebook: nbformat.NotebookNode, path: Path) -> Path:
    """Write ``notebook`` to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def _statement_boundary(lines: list[str]) -> int:
    """Return the first line index that splits ``lines`` into two parsable halves."""
    for cut in range(1, len(lines)):
        try:
            ast.parse("\n".join(lines[:cut]))
            ast.parse("\n".join(lines[cut:]))
        except SyntaxError:
            continue
        return cut
    return max(1, len(lines) // 2)


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


Maker = Callable[[Path, Path], nbformat.NotebookNode]


def correct(release: Path, source: Path) -> nbformat.NotebookNode:
    """Return a submission whose answers are the solutions."""
    return filled(release, source)


def endless_loop(release: Path, source: Path, grade_id: str) -> nbformat.NotebookNode:
    """Return a correct submission whose answer ``grade_id`` loops forever."""
    return filled(release, source, {grade_id: "while True:\n    pass"})


def syntax_error(release: Path, source: Path, grade_id: str) -> nbformat.NotebookNode:
    """Return a correct submission whose answer ``grade_id`` does not parse."""
    return filled(release, source, {grade_id: "resultat = (1 +\nprint('oublié')"})


def huge_output(release: Path, source: Path) -> nbformat.NotebookNode:
    """Return a correct submission with a cell printing several megabytes, saved with its output."""
    text = "x" * HUGE_OUTPUT_CHARACTERS
    return add_code_cell(
        filled(release, source),
        f"print('x' * {HUGE_OUTPUT_CHARACTERS})",
        output=text + "\n",
    )


def local_file(
    release: Path, source: Path, grade_id: str, variable: str
) -> nbformat.NotebookNode:
    """Return a correct submission whose answer ``grade_id`` reads a file from the learner's computer."""
    path = "C:/Users/eleve/Téléchargements/donnees.csv"
    return filled(
        release,
        source,
        {grade_id: f"import pandas as pd\n{variable} = pd.read_csv({path!r})"},
    )


def non_ascii(release: Path, source: Path) -> nbformat.NotebookNode:
    """Return a correct submission with accents, typographic quotes and emoji in its text."""
    notebook = filled(release, source)
    for cell in notebook.cells:
        metadata = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and metadata.get("solution"):
            cell.source = (
                "Réponse d’Hélène : « données ouvertes » — ça marche 👍, ½ ≠ 0,5 ?"
            )
    return add_code_cell(
        notebook, "note_élève = 'Québec — Montréal ✓'\nprint(note_élève)"
    )


def fake_hidden_tests(
    release: Path, source: Path, grade_id: str
) -> nbformat.NotebookNode:
    """Return a correct submission whose answer ``grade_id`` quotes the hidden-test delimiters."""
    answer = solutions(source)[grade_id]
    text = f"### BEGIN HIDDEN TESTS\n{answer}\n### END HIDDEN TESTS"
    return filled(release, source, {grade_id: text})


def no_cells(release: Path, source: Path) -> nbformat.NotebookNode:
    """Return a notebook with the release metadata and no cells."""
    notebook = nbformat.read(release, as_version=4)
    notebook.cells = []
    return notebook
