"""Typing of CSV columns: missing-value markers, numbers, dates and identifiers.

Each column arrives as strings and leaves as the narrowest type that fits
every value that is not missing:

* identifier (text): digits with leading zeros (``"07025"``), more than
  18 digits, or a column the caller names in ``id_columns``;
* integer (nullable ``Int64``) or decimal (``float64``): plain numbers,
  decimal commas, and thousands separated by a space, a no-break space
  (U+00A0), a narrow no-break space (U+202F) or, in English style, a comma;
* date (``datetime64``), see :mod:`widgets.dates`;
* text, with the markers below turned into missing values.

Missing-value markers: empty or blank cells, ``n.d.``, ``N/D``, ``N/A``,
``s.o.`` (sans objet), ``..``, ``...`` and ``NaN``/``NULL`` are missing in
any column. ``x`` (confidential), ``F`` (too unreliable to be published)
and ``-`` (also en and em dashes) are missing only in a column whose other
values are numbers or dates, so a column of sexes ``F``/``M`` stays text.

Every test runs on a whole column with pyarrow compute functions (RE2
regular expressions, casts), never as a Python loop over cells.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from widgets import dates
from widgets.report import WARNING, Note, format_count, format_examples

logger = logging.getLogger(__name__)

TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
DATETIME_DTYPE = dates.DATETIME_DTYPE
MAX_INTEGER_DIGITS = 18

UNIVERSAL_MISSING = (
    "",
    "n.d.",
    "N.D.",
    "n.d",
    "N.D",
    "n/d",
    "N/D",
    "N/A",
    "n/a",
    "s.o.",
    "S.O.",
    "..",
    "...",
    "…",
    "NaN",
    "nan",
    "NULL",
    "null",
)
NUMERIC_ONLY_MISSING = ("x", "X", "F", "-", "–", "—")

# Number patterns, in RE2 syntax for pyarrow.
_GROUP_SPACES = " \u00a0\u202f"
_SIGN = "[-+\u2212]?"
_EXPONENT = "(?:[eE][-+]?[0-9]+)?"
NUMBER = (
    f"{_SIGN}(?:(?:[0-9]{{1,3}}(?:[{_GROUP_SPACES}][0-9]{{3}})+|[0-9]+)(?:[.,][0-9]*)?"
    f"|[.,][0-9]+){_EXPONENT}"
)
ENGLISH_NUMBER = f"{_SIGN}(?:(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\\.[0-9]*)?|\\.[0-9]+){_EXPONENT}"
LEADING_ZERO = "^[-+]?0[0-9]"

# Texts of the notes that sum up one finding made on several columns.
MERGED_NOTES = {
    "empty_column": (
        "{n} colonnes entièrement vides : {columns}.",
        "{n} entirely empty columns: {columns}.",
    ),
    "value_whitespace": (
        (
            "{n} colonnes ont des valeurs entourées d'espaces, gardées telles quelles "
            "(str.strip() les retire); nombre de valeurs : {columns}."
        ),
        (
            "{n} columns have values surrounded by spaces, kept as they are "
            "(str.strip() removes them); number of values: {columns}."
        ),
    ),
    "identifier_given": (
        "{n} colonnes gardées en texte (identifiants indiqués par id_columns) : {columns}.",
        "{n} columns kept as text (identifiers given in id_columns): {columns}.",
    ),
    **dates.MERGED_NOTES,
}

MOSTLY_SHARE = 0.8
DATE_HINT_SHARE = 0.25

# Powers of ten from 10 to 10**18, to count the digits of int64 values.
_POWERS_OF_TEN = 10 ** np.arange(1, MAX_INTEGER_DIGITS + 1, dtype=np.int64)


@dataclass
class TypedColumn:
    """A column converted to its inferred type, with what the reader noticed."""

    values: pd.Series
    kind: str
    notes: list[Note] = field(default_factory=list)


def infer_column(
    raw: pd.Series,
    name: str,
    *,
    as_identifier: bool = False,
    as_date: bool = False,
    date_hint: str = "date_columns=[{name!r}]",
) -> TypedColumn:
    """Convert a column of CSV fields to the type its values fit.

    Parameters
    ----------
    raw
        The column as ``str``, ``""`` for empty fields.
    name
        The column name, for the notes.
    as_identifier
        Keep the values as text (the caller listed the column in ``id_columns``).
    as_date
        Read the values as dates; values that are not dates become missing.
    date_hint
        How the caller can force a date column, quoted in the notes; ``{name}``
        stands for the column name.
    """
    array = _arrow(raw)
    if not as_identifier and not as_date:
        # Fast path, before any trimming: whole numbers and empty fields only,
        # the most common numeric column.
        fast = _whole_numbers(array, raw.index, name)
        if fast is not None:
            return fast

    stripped = pc.utf8_trim_whitespace(array)
    empty = _numpy(pc.equal(stripped, ""))

    universal = _numpy(
        pc.is_in(stripped, value_set=_value_set(UNIVERSAL_MISSING, stripped))
    )
    text_notes = _marker_notes(stripped, universal, None, name)
    if as_identifier:
        notes = [*text_notes, _given_note(name)]
        return _text(
            array, stripped, universal, raw.index, name, notes, kind="identifier"
        )
    if empty.all():
        return _empty(raw.index, name, text_notes)
    if as_date:
        return _forced_dates(array, stripped, universal, raw.index, name)

    numeric_marker = _numpy(
        pc.is_in(stripped, value_set=_value_set(NUMERIC_ONLY_MISSING, stripped))
    )
    missing = universal | numeric_marker
    present = ~missing
    if not present.any():
        # Only markers such as "F" or "x": nothing shows the column is numeric.
        return _text(array, stripped, universal, raw.index, name, text_notes)

    values = stripped.filter(pa.array(present))
    pattern = _number_pattern(values)
    is_number = _numpy(pc.match_substring_regex(values, dates.full_match(pattern)))
    if is_number.all():
        notes = _marker_notes(stripped, universal, numeric_marker, name)
        return _numbers(
            array, stripped, values, pattern, missing, raw.index, name, notes
        )

    styles = dates.date_styles(values)
    is_date = styles != ""
    if is_date.all():
        notes = _marker_notes(stripped, universal, numeric_marker, name)
        converted, date_notes = dates.parse_dates(
            values, styles, np.flatnonzero(present), len(raw), name
        )
        converted.index = raw.index
        return TypedColumn(converted, "datetime", notes + date_notes)

    notes = text_notes + _mixed_notes(values, is_number, is_date, name, date_hint)
    return _text(array, stripped, universal, raw.index, name, notes)


def infer_json_strings(values: pd.Series, name: str, *, date_hint: str) -> TypedColumn:
    """Type a column of JSON strings: dates when every value is one, else text.

    Unlike CSV fields, JSON strings were typed by the publisher, so strings
    that look like numbers (``"11"``) stay text. No marker becomes a missing
    value: only ``null`` is missing.
    """
    array = _arrow(values)
    stripped = pc.utf8_trim_whitespace(array)
    missing = _numpy(array.is_null())
    filled = ~missing & _numpy(pc.not_equal(stripped, ""))
    notes: list[Note] = []
    if filled.any():
        candidates = stripped.filter(pa.array(filled))
        styles = dates.date_styles(candidates)
        is_date = styles != ""
        if is_date.all():
            converted, notes = dates.parse_dates(
                candidates, styles, np.flatnonzero(filled), len(values), name
            )
            converted.index = values.index
            return TypedColumn(converted, "datetime", notes)
        no_numbers = np.zeros(len(candidates), dtype=bool)
        notes = _mixed_notes(candidates, no_numbers, is_date, name, date_hint)
    return _text(array, stripped, missing, values.index, name, notes)


def _arrow(values: pd.Series) -> pa.Array:
    """Return the strings of ``values`` as one pyarrow array (no copy for ``str``)."""
    array = pa.array(values.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _value_set(values: tuple[str, ...], array: pa.Array) -> pa.Array:
    """Return ``values`` as a pyarrow array of the string type of ``array``."""
    return pa.array(values, type=array.type)


def _numpy(mask: pa.Array) -> np.ndarray:
    """Return a pyarrow boolean array as NumPy, nulls as False."""
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def _unique_examples(values: pa.Array, mask: np.ndarray | None = None) -> str:
    if mask is not None:
        values = values.filter(pa.array(mask))
    return format_examples(pc.unique(values).slice(0, 4).to_pylist())


def _empty(index: pd.Index, name: str, notes: list[Note]) -> TypedColumn:
    notes.append(
        Note(
            "empty_column",
            fr=f"La colonne « {name} » est entièrement vide.",
            en=f"The column '{name}' is entirely empty.",
            column=name,
            level=WARNING,
            group="empty_column",
        )
    )
    return TypedColumn(pd.Series(np.nan, index=index, dtype="float64"), "empty", notes)


def _marker_notes(
    stripped: pa.Array,
    universal: np.ndarray,
    numeric_only: np.ndarray | None,
    name: str,
) -> list[Note]:
    """Describe the markers read as missing: the universal ones, and ``x``, ``F``, ``-``."""
    markers = universal & _numpy(pc.not_equal(stripped, ""))
    if numeric_only is not None:
        markers |= numeric_only
    if not markers.any():
        return []
    counts = pc.value_counts(stripped.filter(pa.array(markers))).to_pylist()
    counts.sort(key=lambda item: -item["counts"])
    total = sum(item["counts"] for item in counts)
    listed = ", ".join(f"{item['values']!r} ({item['counts']})" for item in counts)
    fr = (
        f"Colonne « {name} » : {format_count(total, 'fr')} valeur(s) lue(s) comme "
        f"manquantes : {listed}."
    )
    en = f"Column '{name}': {format_count(total, 'en')} value(s) read as missing: {listed}."
    if numeric_only is not None and numeric_only.any():
        fr += " « x », « F » et « - » ne valent « manquant » que dans une colonne de nombres ou de dates."
        en += " 'x', 'F' and '-' mean missing only in a column of numbers or dates."
    return [Note("missing_markers", fr=fr, en=en, column=name)]


def _given_note(name: str) -> Note:
    return Note(
        "identifier",
        fr=f"Colonne « {name} » gardée en texte (identifiant indiqué par id_columns).",
        en=f"Column '{name}' kept as text (identifier given in id_columns).",
        column=name,
        group="identifier_given",
    )


def _leading_zeros_note(stripped: pa.Array, present: np.ndarray, name: str) -> Note:
    leading = present & _numpy(pc.match_substring_regex(stripped, LEADING_ZERO))
    examples = _unique_examples(stripped, leading)
    return Note(
        "identifier",
        fr=(
            f"Colonne « {name} » gardée en texte : des codes commencent par zéro "
            f"({examples}), qu'un nombre perdrait."
        ),
        en=(
            f"Column '{name}' kept as text: some codes start with a zero ({examples}), "
            "which a number would lose."
        ),
        column=name,
    )


def _code_note(stripped: pa.Array, present: np.ndarray, name: str) -> Note | None:
    """Return why a column of whole numbers is rather a column of codes, if it is."""
    if (present & _numpy(pc.match_substring_regex(stripped, LEADING_ZERO))).any():
        return _leading_zeros_note(stripped, present, name)
    digits = pc.utf8_length(pc.utf8_ltrim(stripped, characters="-+"))
    if (pc.max(digits).as_py() or 0) > MAX_INTEGER_DIGITS:
        return Note(
            "identifier",
            fr=(
                f"Colonne « {name} » gardée en texte : des nombres ont plus de "
                f"{MAX_INTEGER_DIGITS} chiffres (sans doute des codes)."
            ),
            en=(
                f"Column '{name}' kept as text: some numbers have more than "
                f"{MAX_INTEGER_DIGITS} digits (probably codes)."
            ),
            column=name,
        )
    return None


def _whole_numbers(values: pa.Array, index: pd.Index, name: str) -> TypedColumn | None:
    """Type a column of plain integers and empty fields, or return None if it is not one.

    pyarrow's cast accepts digits with an optional minus sign and nothing
    else: no spaces, no plus sign, no separators. A value written with more
    characters than its number needs has leading zeros (``"07025"``), which
    makes the column a column of codes.
    """
    lengths = pc.utf8_length(values)
    if (pc.max(lengths).as_py() or 0) > MAX_INTEGER_DIGITS:
        return None
    empty = _numpy(pc.equal(lengths, 0))
    if empty.all():
        return None
    blanked = pc.if_else(pa.array(empty), pa.scalar(None, values.type), values)
    try:
        integers = pc.cast(blanked, pa.int64())
    except pa.ArrowInvalid:
        return None

    numbers = integers.fill_null(0).to_numpy(zero_copy_only=False)
    if not numbers.flags.writeable:
        # A zero-copy view of an arrow buffer is read-only; learners edit tables.
        numbers = numbers.copy()
    digits = 1 + np.searchsorted(_POWERS_OF_TEN, np.abs(numbers), side="right")
    needed = digits + (numbers < 0)
    written = lengths.to_numpy(zero_copy_only=False)
    if (~empty & (written != needed)).any():
        notes = [_leading_zeros_note(values, ~empty, name)]
        return _text(values, values, empty, index, name, notes, kind="identifier")
    series = pd.Series(pd.arrays.IntegerArray(numbers, empty), index=index)
    return TypedColumn(series, "integer", [])


def _text(
    array: pa.Array,
    stripped: pa.Array,
    missing: np.ndarray,
    index: pd.Index,
    name: str,
    notes: list[Note],
    *,
    kind: str = "text",
) -> TypedColumn:
    """Keep a column as text, the ``missing`` cells turned into missing values."""
    kept = pc.if_else(pa.array(missing), pa.scalar(None, array.type), array)
    values = kept.to_pandas(types_mapper={array.type: TEXT_DTYPE}.get)
    values.index = index
    padded = int(_numpy(pc.not_equal(kept, stripped)).sum())
    if padded and kind == "text":
        notes.append(
            Note(
                "value_whitespace",
                fr=(
                    f"Colonne « {name} » : {format_count(padded, 'fr')} valeur(s) entourées "
                    "d'espaces, gardées telles quelles (str.strip() les retire)."
                ),
                en=(
                    f"Column '{name}': {format_count(padded, 'en')} value(s) surrounded by "
                    "spaces, kept as they are (str.strip() removes them)."
                ),
                column=name,
                group="value_whitespace",
                count=padded,
            )
        )
    return TypedColumn(values, kind, notes)


def _number_pattern(values: pa.Array) -> str:
    """Return the number pattern of a column: decimal comma, or English grouping.

    The comma is a thousands separator only when some value has both a comma
    and a dot (``1,234.5``). Otherwise it is the decimal mark, as in Québec.
    """
    has_comma = _numpy(pc.match_substring(values, ","))
    if not has_comma.any():
        return NUMBER
    has_dot = _numpy(pc.match_substring(values, "."))
    if (has_comma & has_dot).any():
        return ENGLISH_NUMBER
    return NUMBER


def _numbers(
    array: pa.Array,
    stripped: pa.Array,
    values: pa.Array,
    pattern: str,
    missing: np.ndarray,
    index: pd.Index,
    name: str,
    notes: list[Note],
) -> TypedColumn:
    """Convert a column whose present values all are numbers."""
    present = ~missing
    normalized, style_notes = _normalize_numbers(values, pattern, name)
    if bool(pc.any(pc.match_substring_regex(normalized, "[.eE]")).as_py()):
        data = np.full(len(index), np.nan)
        data[present] = pc.cast(normalized, pa.float64()).to_numpy(zero_copy_only=False)
        return TypedColumn(pd.Series(data, index=index), "decimal", notes + style_notes)

    code_note = _code_note(stripped, present, name)
    if code_note is not None:
        return _text(
            array,
            stripped,
            missing,
            index,
            name,
            notes + [code_note],
            kind="identifier",
        )
    data = np.zeros(len(index), dtype=np.int64)
    data[present] = pc.cast(normalized, pa.int64()).to_numpy(zero_copy_only=False)
    integers = pd.arrays.IntegerArray(data, missing.copy())
    return TypedColumn(pd.Series(integers, index=index), "integer", notes + style_notes)


def _normalize_numbers(
    values: pa.Array, pattern: str, name: str
) -> tuple[pa.Array, list[Note]]:
    """Rewrite numbers as ``-1234.5`` and report which separators were converted."""
    notes: list[Note] = []
    normalized = pc.replace_substring(values, "\u2212", "-")
    normalized = pc.replace_substring_regex(normalized, "^\\+", "")

    spaced = _numpy(pc.match_substring_regex(normalized, f"[{_GROUP_SPACES}]"))
    if spaced.any():
        kinds = [
            (label_fr, label_en)
            for character, label_fr, label_en in (
                (" ", "espace", "space"),
                ("\u00a0", "espace insécable", "no-break space"),
                ("\u202f", "espace fine insécable", "narrow no-break space"),
            )
            if bool(pc.any(pc.match_substring(normalized, character)).as_py())
        ]
        normalized = pc.replace_substring_regex(normalized, f"[{_GROUP_SPACES}]", "")
        count = int(spaced.sum())
        notes.append(
            Note(
                "thousands_separator",
                fr=(
                    f"Colonne « {name} » : séparateur de milliers retiré "
                    f"({', '.join(kind[0] for kind in kinds)}) dans "
                    f"{format_count(count, 'fr')} valeur(s)."
                ),
                en=(
                    f"Column '{name}': thousands separator removed "
                    f"({', '.join(kind[1] for kind in kinds)}) in "
                    f"{format_count(count, 'en')} value(s)."
                ),
                column=name,
            )
        )

    commas = _numpy(pc.match_substring(normalized, ","))
    if commas.any() and pattern == ENGLISH_NUMBER:
        normalized = pc.replace_substring(normalized, ",", "")
        notes.append(
            Note(
                "thousands_separator",
                fr=f"Colonne « {name} » : virgules des milliers retirées (style anglais 1,234.5).",
                en=f"Column '{name}': thousands commas removed (English style 1,234.5).",
                column=name,
            )
        )
    elif commas.any():
        normalized = pc.replace_substring(normalized, ",", ".")
        count = int(commas.sum())
        notes.append(
            Note(
                "decimal_comma",
                fr=(
                    f"Colonne « {name} » : virgule décimale convertie en point dans "
                    f"{format_count(count, 'fr')} valeur(s)."
                ),
                en=(
                    f"Column '{name}': decimal comma converted to a dot in "
                    f"{format_count(count, 'en')} value(s)."
                ),
                column=name,
            )
        )
    return normalized, notes


def _forced_dates(
    array: pa.Array,
    stripped: pa.Array,
    universal: np.ndarray,
    index: pd.Index,
    name: str,
) -> TypedColumn:
    """Read a column named in ``date_columns``; values that are not dates become missing."""
    marker = _numpy(
        pc.is_in(stripped, value_set=_value_set(NUMERIC_ONLY_MISSING, stripped))
    )
    present = ~(universal | marker)
    values = stripped.filter(pa.array(present))
    styles = dates.date_styles(values)
    matched = styles != ""
    if not matched.any():
        examples = _unique_examples(values)
        notes = _marker_notes(stripped, universal, None, name)
        notes.append(
            Note(
                "not_dates",
                fr=(
                    f"Colonne « {name} » : aucune valeur n'est une date reconnue ({examples}); "
                    "gardée en texte."
                ),
                en=f"Column '{name}': no value is a recognised date ({examples}); kept as text.",
                column=name,
                level=WARNING,
            )
        )
        return _text(array, stripped, universal, index, name, notes)

    notes = _marker_notes(stripped, universal, marker, name)
    if not matched.all():
        count = int((~matched).sum())
        examples = _unique_examples(values, ~matched)
        notes.append(
            Note(
                "not_dates",
                fr=(
                    f"Colonne « {name} » : {format_count(count, 'fr')} valeur(s) qui ne sont "
                    f"pas des dates laissée(s) manquante(s) ({examples})."
                ),
                en=(
                    f"Column '{name}': {format_count(count, 'en')} value(s) that are not "
                    f"dates left missing ({examples})."
                ),
                column=name,
                level=WARNING,
            )
        )
    positions = np.flatnonzero(present)[matched]
    converted, date_notes = dates.parse_dates(
        values.filter(pa.array(matched)), styles[matched], positions, len(index), name
    )
    converted.index = index
    return TypedColumn(converted, "datetime", notes + date_notes)


def _mixed_notes(
    values: pa.Array,
    is_number: np.ndarray,
    is_date: np.ndarray,
    name: str,
    date_hint: str,
) -> list[Note]:
    """Explain why a column that is almost numeric, or partly dates, stays text."""
    total = len(values)
    numbers = int(is_number.sum())
    if numbers >= MOSTLY_SHARE * total:
        examples = _unique_examples(values, ~is_number)
        return [
            Note(
                "mostly_numbers",
                fr=(
                    f"Colonne « {name} » gardée en texte : {format_count(numbers, 'fr')} "
                    f"valeur(s) sur {format_count(total, 'fr')} sont des nombres, mais pas "
                    f"{examples}."
                ),
                en=(
                    f"Column '{name}' kept as text: {format_count(numbers, 'en')} of "
                    f"{format_count(total, 'en')} values are numbers, but not {examples}."
                ),
                column=name,
                level=WARNING,
            )
        ]
    found = int(is_date.sum())
    if found and found >= DATE_HINT_SHARE * total:
        date_hint = date_hint.format(name=name)
        examples = _unique_examples(values, ~is_date)
        return [
            Note(
                "mostly_dates",
                fr=(
                    f"Colonne « {name} » gardée en texte : {format_count(found, 'fr')} "
                    f"valeur(s) sur {format_count(total, 'fr')} sont des dates, les autres non "
                    f"({examples}). Pour la convertir, utilisez {date_hint}; les autres "
                    "valeurs deviennent alors manquantes."
                ),
                en=(
                    f"Column '{name}' kept as text: {format_count(found, 'en')} of "
                    f"{format_count(total, 'en')} values are dates, the others are not "
                    f"({examples}). To convert it, use {date_hint}; the other values then "
                    "become missing."
                ),
                column=name,
                level=WARNING,
            )
        ]
    return []
