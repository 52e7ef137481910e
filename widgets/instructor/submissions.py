"""Collect submissions from a folder or an LMS export into nbgrader's layout.

Supported sources, as a folder or a ``.zip`` file:

- a Moodle export: ``Jean Tremblay_12345_assignsubmission_file_NAME.ipynb``,
  or one folder per learner named ``Jean Tremblay_12345_assignsubmission_file_``;
- a Brightspace (D2L) export:
  ``12345-67890 - Jean Tremblay - Dec 4, 2026 1035 AM - NAME.ipynb``;
- a plain folder: ``<student>/NAME.ipynb`` or ``<student>.ipynb``.

Each learner gets a safe student id (ASCII letters, digits and hyphens, from
the name) recorded in the course's ``roster.csv``, so a learner keeps the same
id across assignments. Files land in ``submitted/<id>/<assignment>/`` under
the release notebook's name. Every file gets a row in the collect report,
with what was done and why.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from widgets.instructor.course import Course
from widgets.instructor.report import Record, write_report

logger = logging.getLogger(__name__)

MOODLE_NAME = re.compile(
    r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.*)$"
)
BRIGHTSPACE_NAME = re.compile(
    r"^(?P<lms_id>\d+-\d+) - (?P<name>.+?) - "
    r"(?P<date>[A-Z][a-z]{2,8} \d{1,2}, \d{4} \d{3,4} [AP]M) - (?P<file>.+)$"
)
BRIGHTSPACE_DATE = "%b %d, %Y %I%M %p"
MAX_ID_LENGTH = 60
MAX_ZIP_MEMBER_BYTES = 50 * 1024 * 1024
ROSTER_FIELDS = ["student_id", "name", "lms_ids"]


@dataclass
class Candidate:
    """One notebook file found in an export, with the learner it belongs to."""

    path: Path
    origin: str
    name: str
    lms_id: str = ""
    file_name: str = ""
    submitted_at: datetime | None = None


@dataclass
class Roster:
    """Safe student ids by learner name, kept in ``roster.csv``."""

    path: Path
    ids_by_name: dict[str, str] = field(default_factory=dict)
    lms_ids: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Roster:
        """Read the roster at ``path``, or start an empty one."""
        roster = cls(path)
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    roster.ids_by_name[row["name"]] = row["student_id"]
                    roster.lms_ids[row["student_id"]] = set(
                        filter(None, row["lms_ids"].split(";"))
                    )
        return roster

    def student_id(self, name: str, lms_id: str = "") -> str:
        """Return the id of the learner ``name``, creating a unique one if new."""
        if name in self.ids_by_name:
            student = self.ids_by_name[name]
        else:
            base = safe_student_id(name)
            used_ids = set(self.ids_by_name.values())
            student = base
            if student in used_ids:
                student = f"{base}-{lms_id or _short_hash(name)}"
            counter = 2
            while student in used_ids:
                student = f"{base}-{counter}"
                counter += 1
            self.ids_by_name[name] = student
        if lms_id:
            self.lms_ids.setdefault(student, set()).add(lms_id)
        return student

    def save(self) -> None:
        """Write the roster back to its file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=ROSTER_FIELDS)
            writer.writeheader()
            for name, student in sorted(
                self.ids_by_name.items(), key=lambda item: item[1]
            ):
                lms = ";".join(sorted(self.lms_ids.get(student, ())))
                writer.writerow({"student_id": student, "name": name, "lms_ids": lms})


def safe_student_id(name: str) -> str:
    """Return a student id made of lowercase ASCII letters, digits and hyphens.

    Accents are dropped (``"Hélène Côté"`` gives ``"helene-cote"``); a name
    with no usable character gets ``student-`` and a short hash.
    """
    folded = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    )
    slug = (
        re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:MAX_ID_LENGTH].strip("-")
    )
    if not slug:
        return f"student-{_short_hash(name)}"
    return slug


def parse_lms_name(relative: PurePosixPath) -> Candidate | None:
    """Return the learner named by an LMS export path, or None if it follows no known scheme."""
    for part in (relative.name, *relative.parts[:-1]):
        moodle = MOODLE_NAME.match(part)
        if moodle:
            file_name = moodle["file"] if part == relative.name else relative.name
            return Candidate(
                Path(),
                "moodle",
                moodle["name"].strip(),
                moodle["lms_id"],
                file_name or relative.name,
            )
        brightspace = BRIGHTSPACE_NAME.match(part)
        if brightspace:
            file_name = brightspace["file"] if part == relative.name else relative.name
            return Candidate(
                Path(),
                "brightspace",
                brightspace["name"].strip(),
                brightspace["lms_id"],
                file_name,
                _parse_brightspace_date(brightspace["date"]),
            )
    return None


def collect(course: Course, assignment: str, source: Path) -> list[Record]:
    """Copy the notebooks of ``source`` (folder or zip) into ``submitted/``.

    Returns one record per learner and per ignored file; the records are
    also written to ``reports/<assignment>-collect.csv``.
    """
    expected = course.notebook_names(assignment)
    roster = Roster.load(course.root / "roster.csv")
    records: list[Record] = []
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        folder = _unpacked(source, Path(scratch), records)
        candidates = _candidates(folder, records) if folder else []
        by_student: dict[str, list[Candidate]] = {}
        for candidate in candidates:
            student = roster.student_id(candidate.name, candidate.lms_id)
            by_student.setdefault(student, []).append(candidate)
        for student, found in sorted(by_student.items()):
            records.append(_place(course, assignment, student, found, expected))
    roster.save()
    write_report(course.reports / f"{assignment}-collect.csv", records)
    return records


def _unpacked(source: Path, scratch: Path, records: list[Record]) -> Path | None:
    """Return a folder with the files of ``source``, extracting a zip into ``scratch``."""
    if source.is_dir():
        return source
    if not zipfile.is_zipfile(source):
        records.append(
            Record(
                student_id="",
                status="failed",
                codes=["source-unreadable"],
                reasons=[f"{source} is neither a folder nor a zip file"],
            )
        )
        return None
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            target = (scratch / member.filename).resolve()
            if member.is_dir() or not target.is_relative_to(scratch.resolve()):
                continue
            if member.file_size > MAX_ZIP_MEMBER_BYTES:
                records.append(
                    Record(
                        student_id="",
                        source=member.filename,
                        status="failed",
                        codes=["file-too-large"],
                        reasons=[
                            f"{member.filename}: {member.file_size} bytes, over the limit"
                        ],
                    )
                )
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as reader, target.open("wb") as writer:
                shutil.copyfileobj(reader, writer)
    return scratch


def _candidates(folder: Path, records: list[Record]) -> list[Candidate]:
    """Return the notebooks under ``folder`` with their learner; record other files."""
    candidates = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if path.suffix.lower() != ".ipynb" or any(
            part.startswith(".") for part in relative.parts
        ):
            records.append(
                Record(
                    student_id="",
                    source=str(relative),
                    status="ignored",
                    codes=["not-a-notebook"],
                    reasons=[f"{relative}: not an .ipynb file"],
                )
            )
            continue
        candidate = parse_lms_name(relative)
        if candidate is None:
            owner = relative.parts[0] if len(relative.parts) > 1 else path.stem
            candidate = Candidate(Path(), "folder", owner, file_name=relative.name)
        candidate.path = path
        # Zip files made on macOS store names decomposed (NFD): compare names in NFC.
        candidate.name = unicodedata.normalize("NFC", candidate.name)
        candidates.append(candidate)
    return candidates


def _place(
    course: Course,
    assignment: str,
    student: str,
    found: list[Candidate],
    expected: list[str],
) -> Record:
    """Copy one learner's notebooks to ``submitted/<student>/<assignment>/``."""
    target = course.submitted / student / assignment
    record = Record(
        student_id=student,
        name=found[0].name,
        lms_id=";".join(sorted({c.lms_id for c in found if c.lms_id})),
        source=";".join(str(c.path.name) for c in found),
        status="collected",
    )
    chosen = _choose(found, expected, record)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, candidate in chosen.items():
        shutil.copy2(candidate.path, target / name)
        if candidate.path.stat().st_size == 0:
            record.flag("empty-file", f"{candidate.path.name} is empty (0 bytes)")
    return record


def _choose(
    found: list[Candidate], expected: list[str], record: Record
) -> dict[str, Candidate]:
    """Map each expected notebook name to the learner file that fills it."""
    chosen: dict[str, Candidate] = {}
    # Latest first, so the most recent of several attempts wins.
    ordered = sorted(found, key=_submission_time, reverse=True)
    for candidate in ordered:
        if candidate.file_name in expected and candidate.file_name not in chosen:
            chosen[candidate.file_name] = candidate
    leftovers = [c for c in ordered if c not in chosen.values()]
    missing = [name for name in expected if name not in chosen]
    if len(missing) == 1 and leftovers:
        picked = leftovers[0]
        chosen[missing[0]] = picked
        record.flag(
            "renamed",
            f"{picked.file_name!r} saved under another name; graded as {missing[0]!r}",
        )
        leftovers = leftovers[1:]
        missing = []
    if leftovers:
        names = ", ".join(repr(c.path.name) for c in leftovers)
        record.flag("extra-files", f"older or extra notebooks not graded: {names}")
    for name in missing:
        record.flag("missing-notebook", f"no file for {name!r}")
    return chosen


def _submission_time(candidate: Candidate) -> float:
    """Return when a file was submitted: the LMS date if known, else its mtime."""
    if candidate.submitted_at is not None:
        return candidate.submitted_at.timestamp()
    return candidate.path.stat().st_mtime


def _parse_brightspace_date(text: str) -> datetime | None:
    """Parse a Brightspace date such as ``Dec 4, 2026 1035 AM``; None if it differs."""
    hour_minutes = text.rsplit(" ", 2)
    try:
        # Brightspace writes the time without a colon and without a leading zero.
        return datetime.strptime(
            f"{hour_minutes[0]} {hour_minutes[1].zfill(4)} {hour_minutes[2]}",
            BRIGHTSPACE_DATE,
        )
    except (ValueError, IndexError):
        return None


def _short_hash(text: str) -> str:
    """Return 8 hex digits of the sha256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
