"""Dates written as text in Québec open data, recognised and converted.

Three ways of writing a date are recognised, each value on its own:

* ISO 8601: ``2022-10-24``, ``2022-10-24T10:45``, ``2022-10-24 10:45:00-04:00``;
* with slashes, day first as in Québec: ``24/10/2022``, ``31/12/2019 23:45``
  (month first only when the second number goes above 12 and the first
  never does);
* in French words: ``24 octobre 2022``, ``1er janvier 2024``,
  ``lundi 24 oct. 2022``.

Matching and splitting run on whole columns with pyarrow's RE2 regular
expressions; pandas assembles the datetimes. The result is
``datetime64[us]``, or UTC-aware when a value carries a time zone.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from widgets.report import WARNING, Note, format_count, format_examples

logger = logging.getLogger(__name__)

DATETIME_DTYPE = "datetime64[us]"

ISO_DATE = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    "(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?"
    "(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)
ISO_TIME_ZONE = "(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
SLASH_DATE = (
    "(?P<first>[0-9]{1,2})/(?P<second>[0-9]{1,2})/(?P<year>[0-9]{4})"
    "(?:[ T]+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<seconds>[0-9]{2}))?)?"
)
FIXED_SLASH_FORMATS = (
    ("^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}$", "%d/%m/%Y %H:%M"),
    ("^[0-9]{2}/[0-9]{2}/[0-9]{4}$", "%d/%m/%Y"),
)
FRENCH_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "février": 2,
    "fevrier": 2,
    "févr": 2,
    "fevr": 2,
    "fév": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "décembre": 12,
    "decembre": 12,
    "déc": 12,
    "dec": 12,
}
_WEEKDAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_MONTHS = "|".join(sorted(FRENCH_MONTHS, key=len, reverse=True))
_SPACE = "[\t \u00a0\u202f]+"
# (?i) makes the rest of the group case-insensitive in RE2: "Octobre", "AOÛT".
FRENCH_DATE = (
    f"(?i)(?:(?:{_WEEKDAYS}),?{_SPACE})?(?P<day>[0-9]{{1,2}})(?:er)?{_SPACE}"
    f"(?P<month>{_MONTHS})\\.?{_SPACE}(?P<year>[0-9]{{4}})"
    f"(?:{_SPACE}(?:à{_SPACE})?(?P<hour>[0-9]{{1,2}})[:h](?P<minute>[0-9]{{2}}))?"
)
STYLES = (("iso", ISO_DATE), ("slash", SLASH_DATE), ("french", FRENCH_DATE))

# Text of the note that sums up ISO dates found in several columns.
MERGED_NOTES = {
    "iso_dates": (
        "{n} colonnes de dates ISO 8601 (aaaa-mm-jj) converties en dates : {columns}.",
        "{n} columns of ISO 8601 dates (yyyy-mm-dd) converted to dates: {columns}.",
    ),
}


def full_match(pattern: str) -> str:
    """Anchor ``pattern`` so that it must match a whole value."""
    return f"^(?:{pattern})$"


def date_styles(values: pa.Array) -> np.ndarray:
    """Return, for each value, ``"iso"``, ``"slash"``, ``"french"`` or ``""``."""
    styles = np.full(len(values), "", dtype=object)
    for style, pattern in STYLES:
        undecided = styles == ""
        if not undecided.any():
            break
        matched = pc.match_substring_regex(values, full_match(pattern))
        styles[undecided & _numpy(matched)] = style
    return styles


def parse_dates(
    values: pa.Array, styles: np.ndarray, positions: np.ndarray, length: int, name: str
) -> tuple[pd.Series, list[Note]]:
    """Convert dates written in several styles into one datetime column.

    Parameters
    ----------
    values
        The stripped text of the dates, all matching one of the styles.
    styles
        The style of each value, from :func:`date_styles`.
    positions
        Where each value goes in the column.
    length
        Length of the column; rows without a value are NaT.
    name
        Column name, for the notes.
    """
    notes: list[Note] = []
    result = np.full(length, np.datetime64("NaT"), dtype=DATETIME_DTYPE)
    aware = False
    for style, parse in (
        ("iso", _parse_iso),
        ("slash", _parse_slash),
        ("french", _parse_french),
    ):
        chosen = styles == style
        if not chosen.any():
            continue
        parsed, style_notes = parse(values.filter(pa.array(chosen)), name)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            aware = True
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        result[positions[chosen]] = parsed.to_numpy(dtype=DATETIME_DTYPE)
        notes += style_notes

    series = pd.Series(result)
    if aware:
        series = series.dt.tz_localize("UTC")
    invalid = np.isnat(result[positions])
    if invalid.any():
        examples = format_examples(
            pc.unique(values.filter(pa.array(invalid))).to_pylist()
        )
        count = int(invalid.sum())
        notes.append(
            Note(
                "invalid_dates",
                fr=(
                    f"Colonne « {name} » : {format_count(count, 'fr')} date(s) impossible(s), "
                    f"laissée(s) manquante(s) ({examples})."
                ),
                en=(
                    f"Column '{name}': {format_count(count, 'en')} impossible date(s) left "
                    f"missing ({examples})."
                ),
                column=name,
                level=WARNING,
            )
        )
    return series, notes


def _numpy(mask: pa.Array) -> np.ndarray:
    """Return a pyarrow boolean array as NumPy, nulls as False."""
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def _parse_iso(values: pa.Array, name: str) -> tuple[pd.Series, list[Note]]:
    notes = [
        Note(
            "dates",
            fr=f"Colonne « {name} » : dates ISO 8601 (aaaa-mm-jj) converties en dates.",
            en=f"Column '{name}': ISO 8601 dates (yyyy-mm-dd) converted to dates.",
            column=name,
            group="iso_dates",
        )
    ]
    has_zone = bool(pc.any(pc.match_substring_regex(values, ISO_TIME_ZONE)).as_py())
    if has_zone:
        notes.append(
            Note(
                "time_zone",
                fr=f"Colonne « {name} » : fuseaux horaires ramenés en UTC.",
                en=f"Column '{name}': time zones converted to UTC.",
                column=name,
            )
        )
    # ISO 8601 allows a decimal comma before the fraction of a second.
    text = pc.replace_substring(values, ",", ".").to_pandas()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=has_zone)
    return parsed, notes


def _parse_slash(values: pa.Array, name: str) -> tuple[pd.Series, list[Note]]:
    fixed_format = _fixed_slash_format(values)
    if fixed_format is None:
        parts = pc.extract_regex(values, SLASH_DATE)
        first = _field(parts, "first")
        second = _field(parts, "second")
    else:
        first = _numbers(pc.utf8_slice_codeunits(values, 0, 2))
        second = _numbers(pc.utf8_slice_codeunits(values, 3, 5))
    month_first = bool((second > 12).any() and (first <= 12).all())
    if month_first:
        day, month = second, first
        order_fr, order_en = (
            "mois/jour/année (style américain)",
            "month/day/year (US style)",
        )
    else:
        day, month = first, second
        order_fr, order_en = "jour/mois/année", "day/month/year"
    fr = f"Colonne « {name} » : dates lues en {order_fr}."
    en = f"Column '{name}': dates read as {order_en}."
    if not month_first and bool((first <= 12).all()):
        fr += " Aucun jour ne dépasse 12 : l'ordre jour/mois, l'usage au Québec, est supposé."
        en += " No day is above 12: day/month order, the Québec usage, is assumed."
    note = Note("dates", fr=fr, en=en, column=name)
    if fixed_format is not None:
        if month_first:
            fixed_format = fixed_format.replace("%d/%m", "%m/%d")
        parsed = pc.strptime(values, format=fixed_format, unit="s", error_is_null=True)
        result = parsed.to_numpy(zero_copy_only=False).astype(DATETIME_DTYPE)
        # strptime rolls 31/02 over to 02/03: a changed day means an impossible date.
        rolled = pc.day(parsed).to_numpy(zero_copy_only=False) != day
        result[rolled] = np.datetime64("NaT")
        return pd.Series(result), [note]
    parsed = _assemble(
        _field(parts, "year"),
        month,
        day,
        _field(parts, "hour"),
        _field(parts, "minute"),
        _field(parts, "seconds"),
    )
    return parsed, [note]


def _fixed_slash_format(values: pa.Array) -> str | None:
    """Return the strptime format when every value is ``dd/mm/yyyy``, or all add ``HH:MM``.

    Fixed-width values skip the slower split into groups; day first is
    assumed here and swapped by the caller when the values are month first.
    """
    for pattern, date_format in FIXED_SLASH_FORMATS:
        if bool(pc.all(pc.match_substring_regex(values, pattern)).as_py()):
            return date_format
    return None


def _numbers(text: pa.Array) -> np.ndarray:
    return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False).astype(float)


def _parse_french(values: pa.Array, name: str) -> tuple[pd.Series, list[Note]]:
    parts = pc.extract_regex(values, FRENCH_DATE)
    names = list(FRENCH_MONTHS)
    numbers = np.array([FRENCH_MONTHS[month] for month in names] + [0])
    index = pc.index_in(
        pc.utf8_lower(pc.struct_field(parts, "month")), value_set=pa.array(names)
    )
    month = numbers[index.fill_null(len(names)).to_numpy()].astype(float)
    parsed = _assemble(
        _field(parts, "year"),
        month,
        _field(parts, "day"),
        _field(parts, "hour"),
        _field(parts, "minute"),
        np.zeros(len(values)),
    )
    note = Note(
        "dates",
        fr=f"Colonne « {name} » : dates écrites en français (« 24 octobre 2022 ») converties.",
        en=f"Column '{name}': dates written in French ('24 octobre 2022') converted.",
        column=name,
    )
    return parsed, [note]


def _field(parts: pa.StructArray, name: str) -> np.ndarray:
    """Return one captured group as floats, NaN where the group did not match."""
    text = pc.struct_field(parts, name)
    numbers = pc.cast(
        pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text), pa.int64()
    )
    return numbers.to_numpy(zero_copy_only=False).astype(float)


def _assemble(year, month, day, hour, minute, second) -> pd.Series:
    """Build datetimes from component arrays; impossible dates become NaT."""
    frame = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": np.nan_to_num(hour),
            "minute": np.nan_to_num(minute),
            "second": np.nan_to_num(second),
        }
    )
    return pd.to_datetime(frame, errors="coerce")
