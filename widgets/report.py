"""Reports of what the file reader inferred and changed, for learners.

A :class:`ReadReport` travels with every table the reader returns. It lists
the encoding, the delimiter, the size of the table, the type inferred for
each column and one :class:`Note` per inference or change, each written in
French and in English. It renders as plain text, as Markdown, and in
Jupyter through ``_repr_markdown_``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from widgets.errors import ReadError
from widgets.i18n import check_language, pick

logger = logging.getLogger(__name__)

INFO = "info"
WARNING = "warning"

# Column kinds, with their French and English labels.
KIND_LABELS = {
    "integer": ("entier", "integer"),
    "decimal": ("nombre décimal", "decimal number"),
    "datetime": ("date", "date"),
    "text": ("texte", "text"),
    "identifier": ("identifiant (texte)", "identifier (text)"),
    "boolean": ("booléen", "boolean"),
    "empty": ("vide", "empty"),
    "mixed": ("types mêlés", "mixed types"),
    "geometry": ("géométrie", "geometry"),
}

ENCODING_LABELS = {
    "utf-8": ("UTF-8", "UTF-8"),
    "utf-8-sig": ("UTF-8 avec BOM", "UTF-8 with BOM"),
    "utf-16": ("UTF-16", "UTF-16"),
    "cp1252": ("Windows-1252 (cp1252)", "Windows-1252 (cp1252)"),
    "iso8859-1": ("Latin-1 (ISO-8859-1)", "Latin-1 (ISO-8859-1)"),
}

DELIMITER_LABELS = {
    ",": ("virgule (,)", "comma (,)"),
    ";": ("point-virgule (;)", "semicolon (;)"),
    "\t": ("tabulation", "tab"),
    "|": ("barre verticale (|)", "vertical bar (|)"),
}


@dataclass(frozen=True)
class Note:
    """One thing the reader inferred or changed, in French and in English.

    ``code`` is a short stable identifier (``"decimal_comma"``,
    ``"ragged_rows"``...) that code and tests can rely on. ``column`` names
    the column concerned, if any, and ``columns`` the columns of a note
    that sums up several. ``level`` is ``"info"``, or ``"warning"`` for a
    quirk of the file that the learner should know about. ``group`` and
    ``count`` let :func:`merge_column_notes` sum up the same finding made
    on many columns.
    """

    code: str
    fr: str
    en: str
    column: str | None = None
    level: str = INFO
    columns: tuple[str, ...] = ()
    group: str | None = None
    count: int | None = None

    @property
    def concerns(self) -> tuple[str, ...]:
        """Return the columns the note is about."""
        if self.column is not None:
            return (self.column,)
        return self.columns

    def text(self, language: str | None = None) -> str:
        """Return the note in ``language`` (the learner's one by default)."""
        return pick(self.fr, self.en, language)


@dataclass(frozen=True)
class ColumnInfo:
    """The type the reader gave one column of the table."""

    name: str
    kind: str
    dtype: str
    n_missing: int
    original_name: str | None = None

    def label(self, language: str | None = None) -> str:
        """Return the kind of the column as a word in ``language``."""
        fr, en = KIND_LABELS.get(self.kind, (self.kind, self.kind))
        return pick(fr, en, language)


@dataclass(repr=False)
class ReadReport:
    """Record of the inferences and changes made while reading one file.

    Attributes
    ----------
    source
        The file read: a path, a dataset id with its path, or ``"<bytes>"``.
    format
        ``"CSV"``, ``"GeoJSON"`` or ``"CKAN datastore_search"``.
    encoding
        The Python codec used to decode the file, such as ``"utf-8-sig"``.
    delimiter
        The field delimiter of a CSV file, None for other formats.
    n_rows, n_columns
        Size of the table returned.
    columns
        The inferred type of each column, in table order.
    notes
        Every inference and change, in the order the reader made them.
    language
        Language used when a rendering method gets ``language=None``; None
        means the learner's language (``DONNEESQC_LANG``).
    """

    source: str
    format: str = "CSV"
    encoding: str | None = None
    delimiter: str | None = None
    n_rows: int = 0
    n_columns: int = 0
    columns: list[ColumnInfo] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    language: str | None = None

    @property
    def column_types(self) -> dict[str, str]:
        """Map each column name to its inferred kind (``"integer"``, ``"text"``...)."""
        return {column.name: column.kind for column in self.columns}

    @property
    def codes(self) -> list[str]:
        """Return the codes of the notes, in order."""
        return [note.code for note in self.notes]

    @property
    def warnings(self) -> list[Note]:
        """Return the notes about quirks the learner should know about."""
        return [note for note in self.notes if note.level == WARNING]

    def add(
        self,
        code: str,
        fr: str,
        en: str,
        *,
        column: str | None = None,
        columns: tuple[str, ...] = (),
        level: str = INFO,
    ) -> Note:
        """Append a note to the report and return it."""
        note = Note(
            code=code, fr=fr, en=en, column=column, columns=columns, level=level
        )
        self.notes.append(note)
        logger.debug("%s: %s", self.source, en)
        return note

    def extend(self, notes: Iterable[Note]) -> None:
        """Append several notes to the report."""
        self.notes.extend(notes)

    def notes_for(self, column: str) -> list[Note]:
        """Return the notes about ``column``, including the notes that sum up several."""
        return [note for note in self.notes if column in note.concerns]

    def to_text(self, language: str | None = None) -> str:
        """Render the report as plain text in French or in English."""
        language = self._language(language)
        lines = [self._title(language), self._summary(language), ""]
        if self.notes:
            lines.append(
                pick("Constats et changements :", "Findings and changes:", language)
            )
            for note in self.notes:
                bullet = "!" if note.level == WARNING else "-"
                lines.append(f"  {bullet} {note.text(language)}")
            lines.append("")
        if self.columns:
            lines.append(pick("Colonnes :", "Columns:", language))
            width = max(len(column.name) for column in self.columns)
            for column in self.columns:
                missing = pick(
                    f"{format_count(column.n_missing, language)} manquante(s)",
                    f"{format_count(column.n_missing, language)} missing",
                    language,
                )
                lines.append(
                    f"  {column.name:<{width}}  {column.label(language)} ({missing})"
                )
        return "\n".join(lines).rstrip() + "\n"

    def to_markdown(self, language: str | None = None) -> str:
        """Render the report as Markdown in French or in English."""
        language = self._language(language)
        title = _escape_markdown(self._title(language))
        lines = [f"**{title}**", "", self._summary(language), ""]
        if self.notes:
            lines.append(
                pick("Constats et changements :", "Findings and changes:", language)
            )
            lines.append("")
            for note in self.notes:
                mark = "⚠️ " if note.level == WARNING else ""
                lines.append(f"- {mark}{_escape_markdown(note.text(language))}")
            lines.append("")
        if self.columns:
            header = pick(
                "| Colonne | Type | Manquantes |",
                "| Column | Type | Missing |",
                language,
            )
            lines += [header, "|---|---|---:|"]
            for column in self.columns:
                name = _escape_markdown(column.name).replace("|", "\\|")
                count = format_count(column.n_missing, language)
                lines.append(f"| {name} | {column.label(language)} | {count} |")
        return "\n".join(lines).rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (
            f"<ReadReport {self.source} ({self.format}): {self.n_rows} rows × "
            f"{self.n_columns} columns, {len(self.notes)} notes>"
        )

    def _language(self, language: str | None) -> str:
        if language is None:
            language = self.language
        return check_language(language)

    def _title(self, language: str) -> str:
        return pick(
            f"Lecture de {self.source} ({self.format})",
            f"Reading {self.source} ({self.format})",
            language,
        )

    def _summary(self, language: str) -> str:
        parts = []
        if self.encoding:
            parts.append(
                pick("encodage : ", "encoding: ", language)
                + encoding_label(self.encoding, language)
            )
        if self.delimiter:
            parts.append(
                pick("délimiteur : ", "delimiter: ", language)
                + delimiter_label(self.delimiter, language)
            )
        rows = format_count(self.n_rows, language)
        columns = format_count(self.n_columns, language)
        parts.append(
            pick(
                f"{rows} lignes × {columns} colonnes",
                f"{rows} rows × {columns} columns",
                language,
            )
        )
        return " · ".join(parts)


class ReadResult(NamedTuple):
    """A table read from a file, and the report of how it was read.

    Unpacks as ``df, report = read_csv(...)``.
    """

    data: pd.DataFrame
    report: ReadReport


def merge_column_notes(
    notes: list[Note], templates: dict[str, tuple[str, str]]
) -> list[Note]:
    """Replace the notes of a group found on several columns by one note.

    ``templates`` maps a group to its French and English text, with the
    fields ``{n}`` (number of columns) and ``{columns}`` (their names, each
    followed by its count when the notes have one). The merged note takes
    the place of the group's first note.
    """
    members: dict[str, list[Note]] = {}
    for note in notes:
        if note.group in templates:
            members.setdefault(note.group, []).append(note)
    merged: list[Note] = []
    emitted = set()
    for note in notes:
        group = members.get(note.group) if note.group in templates else None
        if group is None or len(group) < 2:
            merged.append(note)
            continue
        if note.group in emitted:
            continue
        emitted.add(note.group)
        listed = ", ".join(
            member.column
            if member.count is None
            else f"{member.column} ({member.count})"
            for member in group
        )
        fr, en = templates[note.group]
        merged.append(
            Note(
                note.code,
                fr=fr.format(n=len(group), columns=listed),
                en=en.format(n=len(group), columns=listed),
                level=note.level,
                columns=tuple(member.column for member in group),
            )
        )
    return merged


def encoding_label(encoding: str, language: str | None = None) -> str:
    """Return a readable name for the Python codec ``encoding``."""
    fr, en = ENCODING_LABELS.get(encoding, (encoding, encoding))
    return pick(fr, en, language)


def delimiter_label(delimiter: str, language: str | None = None) -> str:
    """Return a readable name for a CSV field delimiter."""
    fr, en = DELIMITER_LABELS.get(delimiter, (repr(delimiter), repr(delimiter)))
    return pick(fr, en, language)


def format_count(number: int, language: str | None = None) -> str:
    """Format an integer with the thousands separator of ``language``.

    French uses a no-break space (``1 130``), English a comma (``1,130``).
    """
    text = f"{number:,}"
    if check_language(language) == "fr":
        return text.replace(",", "\u00a0")
    return text


def format_examples(values: Iterable[object], limit: int = 3) -> str:
    """Return up to ``limit`` values quoted for a message: ``'x', 'F'``."""
    shown = []
    for value in values:
        if len(shown) == limit:
            shown.append("…")
            break
        shown.append(repr(value))
    return ", ".join(shown)


def format_rows(rows: Iterable[int], limit: int = 5) -> str:
    """Return up to ``limit`` row index labels for a message: ``15, 16, 17, …``."""
    shown = []
    for row in rows:
        if len(shown) == limit:
            shown.append("…")
            break
        shown.append(str(row))
    return ", ".join(shown)


def read_error(fr: str, en: str, language: str | None = None) -> ReadError:
    """Build a :class:`ReadError` whose message is in ``language``.

    ``ReadError`` picks the learner's language by itself; this helper lets a
    reader function honour its own ``language`` argument instead.
    """
    error = ReadError(fr=fr, en=en)
    error.args = (pick(fr, en, language),)
    return error


def _escape_markdown(text: str) -> str:
    """Escape the characters that would turn a note into Markdown markup."""
    for character in ("\\", "*", "_", "`"):
        text = text.replace(character, "\\" + character)
    return text
