"""Collecting submissions from LMS exports into nbgrader's layout."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from widgets.instructor.course import Course
from widgets.instructor.report import read_report
from widgets.instructor.submissions import (
    Roster,
    collect,
    parse_lms_name,
    safe_student_id,
)

ASSIGNMENT = "01-licences"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """A course folder with one assignment whose source notebook is empty."""
    root = tmp_path / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n", "utf-8")
    nbformat.write(nbformat.v4.new_notebook(), root / "source" / ASSIGNMENT / NOTEBOOK)
    return Course.at(root)


def notebook_bytes(marker: str) -> bytes:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"# {marker}")]
    )
    return nbformat.writes(notebook).encode("utf-8")


def submitted_marker(course: Course, student: str) -> str:
    notebook = nbformat.read(
        course.submitted / student / ASSIGNMENT / NOTEBOOK, as_version=4
    )
    return notebook.cells[0].source


def test_safe_id_accents():
    assert safe_student_id("Hélène Côté") == "helene-cote"


def test_safe_id_punctuation():
    assert safe_student_id("  O'Brien, Marie-Ève ") == "o-brien-marie-eve"


def test_safe_id_no_letters():
    assert safe_student_id("李小龍").startswith("student-")


def test_safe_id_path_traversal():
    assert "/" not in safe_student_id("../../etc/passwd")


def test_moodle_name():
    candidate = parse_lms_name(
        PurePosixPath(f"Jean Tremblay_12345_assignsubmission_file_{NOTEBOOK}")
    )
    assert (candidate.name, candidate.lms_id, candidate.file_name) == (
        "Jean Tremblay",
        "12345",
        NOTEBOOK,
    )


def test_moodle_folder_name():
    candidate = parse_lms_name(
        PurePosixPath(f"Jean Tremblay_12345_assignsubmission_file_/{NOTEBOOK}")
    )
    assert (candidate.name, candidate.file_name) == ("Jean Tremblay", NOTEBOOK)


def test_brightspace_name():
    path = PurePosixPath(
        f"12345-67890 - Jean Tremblay - Dec 4, 2026 1035 AM - {NOTEBOOK}"
    )
    candidate = parse_lms_name(path)
    assert (candidate.name, candidate.lms_id, candidate.file_name) == (
        "Jean Tremblay",
        "12345-67890",
        NOTEBOOK,
    )


def test_brightspace_date():
    path = PurePosixPath(
        f"12345-67890 - Jean Tremblay - Dec 4, 2026 935 PM - {NOTEBOOK}"
    )
    assert parse_lms_name(path).submitted_at.hour == 21


def test_plain_name_not_lms():
    assert parse_lms_name(PurePosixPath(f"jean/{NOTEBOOK}")) is None


def test_collect_moodle_zip(course, tmp_path):
    export = tmp_path / "moodle.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            f"Hélène Côté_111_assignsubmission_file_{NOTEBOOK}",
            notebook_bytes("helene"),
        )
        archive.writestr(
            f"Jean Tremblay_222_assignsubmission_file_{NOTEBOOK}",
            notebook_bytes("jean"),
        )
    collect(course, ASSIGNMENT, export)
    assert submitted_marker(course, "helene-cote") == "# helene"


def test_collect_brightspace_latest_wins(course, tmp_path):
    export = tmp_path / "d2l.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            f"1-9 - Jean Tremblay - Dec 4, 2026 1035 AM - {NOTEBOOK}",
            notebook_bytes("late"),
        )
        archive.writestr(
            f"1-8 - Jean Tremblay - Dec 3, 2026 905 AM - {NOTEBOOK}",
            notebook_bytes("early"),
        )
        archive.writestr("index.html", "<html></html>")
    collect(course, ASSIGNMENT, export)
    assert submitted_marker(course, "jean-tremblay") == "# late"


def test_collect_records_older_attempt(course, tmp_path):
    export = tmp_path / "d2l.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            f"1-9 - Jean Tremblay - Dec 4, 2026 1035 AM - {NOTEBOOK}",
            notebook_bytes("late"),
        )
        archive.writestr(
            f"1-8 - Jean Tremblay - Dec 3, 2026 905 AM - {NOTEBOOK}",
            notebook_bytes("early"),
        )
    collect(course, ASSIGNMENT, export)
    report = read_report(course.reports / f"{ASSIGNMENT}-collect.csv")
    assert "extra-files" in report["jean-tremblay"]["codes"]


def test_collect_ignores_other_files(course, tmp_path):
    export = tmp_path / "d2l.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("index.html", "<html></html>")
    records = collect(course, ASSIGNMENT, export)
    assert [record.status for record in records] == ["ignored"]


def test_collect_renames_other_name(course, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "marie").mkdir(parents=True)
    (inbox / "marie" / "Untitled1.ipynb").write_bytes(notebook_bytes("marie"))
    collect(course, ASSIGNMENT, inbox)
    assert submitted_marker(course, "marie") == "# marie"


def test_collect_flags_empty_file(course, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "vide.ipynb").write_bytes(b"")
    records = collect(course, ASSIGNMENT, inbox)
    assert "empty-file" in records[0].codes


def test_collect_rejects_zip_slip(course, tmp_path):
    export = tmp_path / "evil.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            f"../../outside_1_assignsubmission_file_{NOTEBOOK}", notebook_bytes("evil")
        )
    collect(course, ASSIGNMENT, export)
    assert not (
        tmp_path.parent / f"outside_1_assignsubmission_file_{NOTEBOOK}"
    ).exists()


def test_collect_not_a_zip(course, tmp_path):
    bogus = tmp_path / "export.zip"
    bogus.write_text("not a zip", "utf-8")
    records = collect(course, ASSIGNMENT, bogus)
    assert records[0].status == "failed"


def test_roster_keeps_id_across_runs(tmp_path):
    roster = Roster.load(tmp_path / "roster.csv")
    first = roster.student_id("Hélène Côté", "111")
    roster.save()
    assert (
        Roster.load(tmp_path / "roster.csv").student_id("Hélène Côté", "999") == first
    )


def test_roster_homonyms_distinct(tmp_path):
    roster = Roster.load(tmp_path / "roster.csv")
    first = roster.student_id("Jean Tremblay", "111")
    second = roster.student_id("Jean  Tremblay", "222")
    assert first != second
