"""Splitting decoded CSV text into columns of strings, and cleaning the header.

Every field is kept as text here, and empty fields, like the fields that a
short row lacks, are empty strings. :mod:`widgets.infer` types the columns.

pyarrow's multithreaded CSV parser splits well-formed files, where every
data row has the same number of fields. Ragged files go through the
pandas C parser, which pads short rows.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from widgets.detect import QUOTED
from widgets.report import (
    WARNING,
    Note,
    format_count,
    format_examples,
    format_rows,
    read_error,
)

logger = logging.getLogger(__name__)

TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
BLANK_NAME = "colonne_{position}"
# Enough text for the header or the first data row of any real file.
SAMPLE_CHARACTERS = 1_000_000
LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")
LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\r?\n)+")


@dataclass
class StringTable:
    """A CSV file split into named columns of strings.

    ``columns`` contains one ``str`` Series per column, with a RangeIndex
    and ``""`` for empty fields. ``original_names`` are the header fields as
    written in the file, before cleaning.
    """

    names: list[str]
    original_names: list[str]
    columns: list[pd.Series]
    notes: list[Note] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.columns[0]) if self.columns else 0


def split_csv(
    text: str, delimiter: str, source: str, language: str | None
) -> StringTable:
    """Split CSV ``text`` into a :class:`StringTable`, reporting every change.

    Raises
    ------
    ReadError
        If the text ends inside a quoted field (a truncated file) or the
        parser rejects it.
    """
    text = LEADING_BLANK_LINES.sub("", text)
    text, line_notes = _normalize_line_ends(text)
    header = _first_row(text, delimiter)
    header_width = len(header)
    columns = _parse_uniform_rows(text, delimiter)
    if columns is not None:
        data_widths = np.full(len(columns[0]), len(columns), dtype=np.int64)
    else:
        widths = _row_widths(text, delimiter)
        header, columns = _parse_with_pandas(
            text, delimiter, int(widths.max()), source, language
        )
        if len(columns[0]) != len(widths) - 1:
            widths = _exact_row_widths(text, delimiter)
        header_width = int(widths[0])
        data_widths = widths[1:]
        if len(columns[0]) != len(data_widths):
            logger.debug("Row widths of %s do not match the parsed rows", source)
            data_widths = np.full(len(columns[0]), len(columns), dtype=np.int64)

    notes: list[Note] = []
    header = header + [""] * (len(columns) - len(header))
    if len(columns) < len(header):
        blank = pd.Series("", index=columns[0].index, dtype=TEXT_DTYPE)
        columns = columns + [blank.copy() for _ in range(len(header) - len(columns))]
    columns, keep_rows = _drop_empty_rows(columns, notes)
    data_widths = data_widths[keep_rows]
    header, columns = _drop_trailing_empty_columns(header, columns, notes)
    _note_short_rows(data_widths, min(header_width, len(columns)), notes)
    _note_long_rows(data_widths, header_width, len(columns), notes)

    names, header_notes = clean_header(header)
    return StringTable(
        names=names,
        original_names=header,
        columns=columns,
        notes=line_notes + header_notes + notes,
    )


def read_header(text: str, delimiter: str) -> list[str]:
    """Return the cleaned column names of CSV ``text`` from its first row only."""
    names, _ = clean_header(_first_row(LEADING_BLANK_LINES.sub("", text), delimiter))
    return names


def clean_header(raw_names: list[str]) -> tuple[list[str], list[Note]]:
    """Return unique, stripped column names for ``raw_names`` and what changed.

    A leftover byte order mark and surrounding whitespace are removed, a
    blank name becomes ``colonne_<position>`` (counted from 1), and a
    repeated name gets ``_2``, ``_3``... appended.
    """
    notes: list[Note] = []
    names = list(raw_names)
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0].lstrip("\ufeff")
        notes.append(
            Note(
                "bom",
                fr="Marque d'ordre des octets (BOM) retirée du nom de la première colonne.",
                en="Byte order mark (BOM) removed from the first column name.",
            )
        )

    padded = [name for name in names if name != name.strip()]
    names = [name.strip() for name in names]
    if padded:
        notes.append(
            Note(
                "header_whitespace",
                fr=(
                    f"{len(padded)} nom(s) de colonne entourés d'espaces, retirées "
                    f"({format_examples(padded)})."
                ),
                en=(
                    f"{len(padded)} column name(s) surrounded by spaces, removed "
                    f"({format_examples(padded)})."
                ),
            )
        )

    blank_positions = [position for position, name in enumerate(names) if not name]
    taken = {name for name in names if name}
    for position in blank_positions:
        names[position] = _unique(BLANK_NAME.format(position=position + 1), taken)
    if blank_positions:
        given = [names[position] for position in blank_positions]
        notes.append(
            Note(
                "blank_headers",
                fr=f"{len(given)} colonne(s) sans nom, nommées {format_examples(given)}.",
                en=f"{len(given)} column(s) without a name, named {format_examples(given)}.",
                level=WARNING,
            )
        )

    seen: set[str] = set()
    renamed = []
    for position, name in enumerate(names):
        if name in seen:
            new_name = _unique(name, seen | taken)
            renamed.append(f"{name} → {new_name}")
            names[position] = new_name
        seen.add(names[position])
    if renamed:
        notes.append(
            Note(
                "duplicate_headers",
                fr=f"Noms de colonne en double, rendus uniques : {', '.join(renamed)}.",
                en=f"Duplicated column names made unique: {', '.join(renamed)}.",
                level=WARNING,
            )
        )
    return names, notes


def _unique(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``name_2``, ``name_3``... the first not in ``taken``."""
    candidate = name
    suffix = 2
    while candidate in taken:
        candidate = f"{name}_{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


def _row_widths(text: str, delimiter: str) -> np.ndarray:
    """Count the fields of each non-empty line, quoted fields removed.

    Fast (NumPy on the UTF-8 bytes), and exact for ordinary CSV; a quote
    inside an unquoted field or a line of blanks can make it wrong, which
    :func:`split_csv` detects by comparing row counts.
    """
    if len(delimiter.encode("utf-8")) != 1:
        return _exact_row_widths(text, delimiter)
    body = QUOTED.sub("", text) if '"' in text else text
    data = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    newlines = np.flatnonzero(data == ord("\n"))
    separators = np.flatnonzero(data == ord(delimiter))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(data)]))
    widths = np.searchsorted(separators, ends) - np.searchsorted(separators, starts) + 1
    lengths = ends - starts
    carriage_return = np.zeros(len(ends), dtype=bool)
    nonempty_end = lengths > 0
    carriage_return[nonempty_end] = data[ends[nonempty_end] - 1] == ord("\r")
    widths = widths[(lengths - carriage_return) > 0]
    return widths.astype(np.int64) if len(widths) else np.array([0], dtype=np.int64)


def _exact_row_widths(text: str, delimiter: str) -> np.ndarray:
    """Count the fields of each row with the csv module (slower, exact)."""
    widths = [
        len(row)
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        if row and not (len(row) == 1 and not row[0].strip())
    ]
    return np.array(widths or [0], dtype=np.int64)


def _normalize_line_ends(text: str) -> tuple[str, list[Note]]:
    """Turn lone carriage returns, the line ends of old Mac files, into newlines."""
    if "\r" not in text or LONE_CARRIAGE_RETURN.search(text) is None:
        return text, []
    note = Note(
        "line_endings",
        fr=(
            "Des lignes se terminent par un retour chariot seul (CR, ancien format "
            "Mac) : remplacé par un saut de ligne."
        ),
        en="Some lines end with a lone carriage return (CR, old Mac format): replaced by a newline.",
    )
    return LONE_CARRIAGE_RETURN.sub("\n", text), [note]


def _first_row(text: str, delimiter: str) -> list[str]:
    """Return the fields of the first non-empty row of ``text``."""
    for row in csv.reader(
        io.StringIO(text[:SAMPLE_CHARACTERS], newline=""), delimiter=delimiter
    ):
        if row:
            return row
    return []


def _parse_uniform_rows(text: str, delimiter: str) -> list[pd.Series] | None:
    """Split the data rows with pyarrow, or return None unless they all have as many fields.

    The header is cut off by hand because pyarrow's ``skip_rows`` counts
    physical lines, not CSV rows. The number of fields is taken from the
    first data row, and pyarrow raises on any row that has another number.
    """
    # An odd number of quotes means an unclosed quoted field, which pyarrow
    # would accept silently; the pandas parser reports it.
    if text.count('"') % 2:
        return None
    end_of_header = text.find("\n")
    if end_of_header < 0 or text[:end_of_header].count('"') % 2:
        return None
    body = text[end_of_header + 1 :]
    width = len(_first_row(body, delimiter))
    if width == 0:
        return None
    return _parse_with_pyarrow(body, delimiter, width, '"' in body)


def _parse_with_pyarrow(
    body: str, delimiter: str, width: int, quoted: bool
) -> list[pd.Series] | None:
    """Split rows that should all have ``width`` fields; return None if one does not."""
    names = [f"f{position}" for position in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=quoted
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        logger.debug("pyarrow could not split the rows (%s); using pandas", error)
        return None
    frame = table.to_pandas(types_mapper={pa.string(): TEXT_DTYPE}.get)
    return [frame[name] for name in names]


def _parse_with_pandas(
    text: str, delimiter: str, width: int, source: str, language: str | None
) -> tuple[list[str], list[pd.Series]]:
    """Split every row with the pandas C parser, padding short rows with ``""``.

    ``width`` is an estimate of the widest row. pandas drops the extra fields
    of a wider row with only a warning, so the warning is raised as an error
    and the exact widths are counted before a second try.
    """
    for attempt in range(2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.StringIO(text),
                    sep=delimiter,
                    header=None,
                    names=list(range(max(width, 1))),
                    dtype=str,
                    keep_default_na=False,
                    na_filter=False,
                    index_col=False,
                    engine="c",
                )
            break
        except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
            message = str(error)
            if "EOF inside string" in message:
                raise _truncated_error(source, message, language) from error
            if attempt == 0:
                width = int(_exact_row_widths(text, delimiter).max())
                continue
            raise read_error(
                fr=(
                    f"Le fichier {source!r} n'a pas pu être découpé en colonnes : {message}. "
                    "Vérifiez le délimiteur (paramètre delimiter) et les guillemets."
                ),
                en=(
                    f"The file {source!r} could not be split into columns: {message}. "
                    "Check the delimiter (delimiter argument) and the quotes."
                ),
                language=language,
            ) from error
    header = [str(value) for value in frame.iloc[0].tolist()]
    data = frame.iloc[1:].reset_index(drop=True)
    columns = [data[position].astype(TEXT_DTYPE) for position in data.columns]
    return header, columns


def _truncated_error(source: str, message: str, language: str | None):
    return read_error(
        fr=(
            f"Le fichier {source!r} se termine au milieu d'un champ entre guillemets "
            f"({message}) : il est sans doute tronqué. Téléchargez-le de nouveau."
        ),
        en=(
            f"The file {source!r} ends inside a quoted field ({message}): it is "
            "probably truncated. Download it again."
        ),
        language=language,
    )


def _drop_empty_rows(
    columns: list[pd.Series], notes: list[Note]
) -> tuple[list[pd.Series], np.ndarray]:
    """Remove rows whose fields are all empty; return the columns and the rows kept."""
    n_rows = len(columns[0])
    empty = np.ones(n_rows, dtype=bool)
    for column in columns:
        # Fields of blanks only do not make a row empty; that keeps this test cheap.
        empty &= (column == "").to_numpy(dtype=bool)
        if not empty.any():
            break
    keep = ~empty
    n_empty = int(empty.sum())
    if n_empty == 0:
        return columns, keep
    notes.append(
        Note(
            "empty_rows",
            fr=f"{format_count(n_empty, 'fr')} ligne(s) entièrement vide(s) retirée(s).",
            en=f"{format_count(n_empty, 'en')} entirely empty row(s) removed.",
        )
    )
    kept = [column[keep].reset_index(drop=True) for column in columns]
    return kept, keep


def _drop_trailing_empty_columns(
    header: list[str], columns: list[pd.Series], notes: list[Note]
) -> tuple[list[str], list[pd.Series]]:
    """Remove columns at the right end that have no name and no value."""
    kept = len(columns)
    while kept > 0 and not header[kept - 1].strip() and _is_blank(columns[kept - 1]):
        kept -= 1
    dropped = len(columns) - kept
    if dropped == 0 or kept == 0:
        return header, columns
    notes.append(
        Note(
            "trailing_columns",
            fr=(
                f"{dropped} colonne(s) vide(s) et sans nom retirée(s) à la fin de chaque "
                "ligne (les lignes se terminent par un délimiteur)."
            ),
            en=(
                f"{dropped} empty column(s) without a name removed at the end of each row "
                "(the lines end with a delimiter)."
            ),
        )
    )
    return header[:kept], columns[:kept]


def _is_blank(column: pd.Series) -> bool:
    return bool((column.str.strip() == "").all())


def _note_short_rows(data_widths: np.ndarray, expected: int, notes: list[Note]) -> None:
    """Report the rows that had fewer fields than the header."""
    short = np.flatnonzero(data_widths < expected)
    if len(short) == 0:
        return
    found = sorted(set(data_widths[short].tolist()))
    found_text = "/".join(str(width) for width in found)
    rows = format_rows(short.tolist())
    count_fr = format_count(len(short), "fr")
    count_en = format_count(len(short), "en")
    fr = (
        f"{count_fr} ligne(s) ont moins de champs ({found_text}) que l'en-tête ({expected}) : "
        f"les champs manquants sont laissés vides (index {rows})."
    )
    en = (
        f"{count_en} row(s) have fewer fields ({found_text}) than the header ({expected}): "
        f"the missing fields are left empty (index {rows})."
    )
    if short.tolist() == [len(data_widths) - 1]:
        fr += " Seule la dernière ligne est courte : le fichier est peut-être tronqué."
        en += " Only the last row is short: the file may be truncated."
    notes.append(Note("ragged_rows", fr=fr, en=en, level=WARNING))


def _note_long_rows(
    data_widths: np.ndarray, header_width: int, n_columns: int, notes: list[Note]
) -> None:
    """Report the rows whose extra fields were kept in columns without a header."""
    if n_columns <= header_width:
        return
    long = np.flatnonzero(data_widths > header_width)
    rows = format_rows(long.tolist())
    count_fr = format_count(len(long), "fr")
    count_en = format_count(len(long), "en")
    extra = n_columns - header_width
    notes.append(
        Note(
            "extra_fields",
            fr=(
                f"{count_fr} ligne(s) ont plus de champs que l'en-tête ({header_width}) : "
                f"les {extra} valeur(s) en trop sont gardées dans des colonnes sans nom "
                f"(index {rows}). Vérifiez le délimiteur et les guillemets de ces lignes."
            ),
            en=(
                f"{count_en} row(s) have more fields than the header ({header_width}): "
                f"the {extra} extra value(s) are kept in columns without a name "
                f"(index {rows}). Check the delimiter and quotes of these rows."
            ),
            level=WARNING,
        )
    )
