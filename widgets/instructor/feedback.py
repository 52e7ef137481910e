"""nbgrader preprocessors that keep hidden tests out of feedback and bound output size.

They are named in ``exercises/nbgrader_config.py``:
:class:`LimitOutputSize` runs during autograding, :class:`HideHiddenTests`
while generating feedback.
"""

from __future__ import annotations

import logging
import re

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer

logger = logging.getLogger(__name__)

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
TRUNCATION_NOTE = "\n[... sortie tronquée / output truncated: {removed} caractères / characters ...]\n"


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests from test cells and shorten their tracebacks to one line.

    An IPython traceback quotes the lines of the cell that failed, so a
    failing hidden test would show its own code. The feedback keeps the
    error name and message, which say what was wrong.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if (
            cell.cell_type == "code"
            and utils.is_grade(cell)
            and not utils.is_solution(cell)
        ):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    summary = (
                        f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                    )
                    output["traceback"] = [ANSI_ESCAPE.sub("", summary)]
        if not utils.is_grade(cell) or utils.is_solution(cell):
            # A learner's own cell may quote the delimiters: leave it as written.
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)


class LimitOutputSize(NbGraderPreprocessor):
    """Truncate any text output longer than ``max_characters``.

    nbgrader's LimitOutput counts lines; one very long line (or a printed
    DataFrame with a huge repr) still makes graded notebooks and feedback
    pages of many megabytes.
    """

    max_characters = Integer(
        20_000, help="Characters kept in one text output; -1 keeps everything."
    ).tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if self.max_characters < 0 or cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = self._truncate(output.get("text", ""))
            for mime, value in list(output.get("data", {}).items()):
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = self._truncate(value)
        return cell, resources

    def _truncate(self, text: str) -> str:
        """Return ``text`` cut to ``max_characters`` with a note saying how much went."""
        if len(text) <= self.max_characters:
            return text
        removed = len(text) - self.max_characters
        return text[: self.max_characters] + TRUNCATION_NOTE.format(removed=removed)
