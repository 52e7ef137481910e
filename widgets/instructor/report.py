"""Per-submission records of a batch step, and the CSV reports that hold them.

Each step (collect, autograde, feedback) writes one row per submission: the
student id, a status, stable reason codes for filtering, and reasons in
words. ``flagged`` means graded, but the instructor should look at it;
``failed`` means the step could not produce a result for this submission.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

REPORT_FIELDS = [
    "student_id",
    "name",
    "lms_id",
    "source",
    "status",
    "codes",
    "reasons",
    "seconds",
]
STATUS_ORDER = {
    "collected": 0,
    "graded": 0,
    "done": 0,
    "ignored": 0,
    "flagged": 1,
    "failed": 2,
}


@dataclass
class Record:
    """What a batch step did with one submission."""

    student_id: str
    name: str = ""
    lms_id: str = ""
    source: str = ""
    status: str = ""
    codes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def flag(self, code: str, reason: str) -> None:
        """Add a reason to look at this submission; keep it graded."""
        self._add(code, reason)
        if STATUS_ORDER.get(self.status, 0) < STATUS_ORDER["flagged"]:
            self.status = "flagged"

    def fail(self, code: str, reason: str) -> None:
        """Add the reason this submission got no result."""
        self._add(code, reason)
        self.status = "failed"

    def as_row(self) -> dict[str, str]:
        """Return the record as a CSV row."""
        return {
            "student_id": self.student_id,
            "name": self.name,
            "lms_id": self.lms_id,
            "source": self.source,
            "status": self.status,
            "codes": ";".join(self.codes),
            "reasons": " | ".join(self.reasons),
            "seconds": f"{self.seconds:.1f}",
        }

    def _add(self, code: str, reason: str) -> None:
        if code not in self.codes:
            self.codes.append(code)
        self.reasons.append(reason)


def write_report(path: Path, records: list[Record]) -> Path:
    """Write ``records`` to the CSV file ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REPORT_FIELDS)
        writer.writeheader()
        for record in records:
            writer.writerow(record.as_row())
    logger.info("Wrote %d rows to %s", len(records), path)
    return path


def read_report(path: Path) -> dict[str, dict[str, str]]:
    """Return the rows of a report by student id; empty if the file does not exist."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["student_id"]: row
            for row in csv.DictReader(handle)
            if row["student_id"]
        }
