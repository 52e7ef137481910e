"""Reading open-data files into pandas tables, with a report for learners.

The functions here read whatever a learner brings: a CSV file from any
publisher, a GeoJSON file, or a dataset of the course registry. Each
returns a :class:`ReadResult`, a ``(data, report)`` pair, where the
:class:`ReadReport` lists every inference and change in French and in
English::

    df, report = read_csv("MUN.csv")
    report          # in Jupyter, renders as Markdown
    print(report.to_text("en"))

See :mod:`widgets.detect` (encoding and delimiter), :mod:`widgets.csv_parse`
(rows and header), :mod:`widgets.infer` (column types),
:mod:`widgets.geojson` and :mod:`widgets.datastore_response` for the rules.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from widgets.csv_parse import read_header, split_csv
from widgets.datastore_response import datastore_columns, read_datastore_response
from widgets.detect import (
    RawFile,
    check_content,
    check_is_table,
    decode,
    detect_delimiter,
    load_source,
    parse_json,
    remove_separator_line,
)
from widgets.fetch import fetch
from widgets.geojson import geojson_features, property_names, read_geojson_file
from widgets.i18n import check_language
from widgets.infer import MERGED_NOTES, infer_column
from widgets.registry import Dataset, get_dataset
from widgets.report import (
    ColumnInfo,
    ReadReport,
    ReadResult,
    merge_column_notes,
    read_error,
)

__all__ = [
    "ReadReport",
    "ReadResult",
    "load",
    "read_columns",
    "read_csv",
    "read_dataset",
    "read_geojson",
]

logger = logging.getLogger(__name__)

Source = str | os.PathLike | bytes | BinaryIO


def read_csv(
    source: Source,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    id_columns: Iterable[str] | None = None,
    date_columns: Iterable[str] | None = None,
    language: str | None = None,
) -> ReadResult:
    """Read a CSV file into a typed DataFrame and a report of what was done.

    Parameters
    ----------
    source
        A path, the bytes of the file, or a file object opened in binary mode.
    encoding
        A Python codec such as ``"cp1252"``; detected when None (byte order
        mark, then UTF-8, then Windows-1252, then Latin-1).
    delimiter
        The field delimiter; detected among ``,`` ``;`` tab and ``|`` when None.
    id_columns
        Columns to keep as text whatever they hold (codes, phone numbers).
        Columns of digits with leading zeros are kept as text anyway.
    date_columns
        Columns to read as dates; their values that are not dates become
        missing. Columns whose values all are dates are found anyway.
    language
        ``"fr"`` or ``"en"`` for the errors and the report; the learner's
        language (``DONNEESQC_LANG``) when None.

    Returns
    -------
    ReadResult
        ``(data, report)``: integers as ``Int64``, other numbers as
        ``float64``, dates as ``datetime64``, text as ``str``.

    Raises
    ------
    ReadError
        If the file is missing, empty, binary (a ZIP or Excel file), not a
        table (HTML, JSON), truncated inside a quoted field, or if a column
        named in ``id_columns`` or ``date_columns`` does not exist.

    Notes
    -----
    The markers ``x``, ``F`` and ``-`` are missing values only in columns
    whose other values are numbers or dates. Rows with fewer fields than
    the header are padded with missing values; extra fields are kept in
    columns named ``colonne_<position>``. The report lists both.
    """
    if language is not None:
        language = check_language(language)
    raw = load_source(source, language)
    check_content(raw, language)
    text, codec, encoding_notes = decode(raw, encoding, language)
    check_is_table(raw, text, language)
    _check_delimiter(delimiter, language)
    text, hinted, delimiter_notes = remove_separator_line(text)
    if delimiter is None and hinted is not None:
        delimiter = hinted
    else:
        delimiter, detected_notes = detect_delimiter(text, delimiter)
        delimiter_notes += detected_notes
    table = split_csv(text, delimiter, raw.name, language)

    identifiers = _named_columns(
        id_columns, table.names, "id_columns", raw.name, language
    )
    dates = _named_columns(
        date_columns, table.names, "date_columns", raw.name, language
    )

    report = ReadReport(
        source=raw.name,
        format="CSV",
        encoding=codec,
        delimiter=delimiter,
        language=language,
    )
    report.extend(encoding_notes + delimiter_notes + table.notes)
    data: dict[str, pd.Series] = {}
    column_notes = []
    for name, original, column in zip(table.names, table.original_names, table.columns):
        typed = infer_column(
            column,
            name,
            as_identifier=name in identifiers,
            as_date=name in dates and name not in identifiers,
        )
        data[name] = typed.values
        column_notes += typed.notes
        report.columns.append(
            ColumnInfo(
                name=name,
                kind=typed.kind,
                dtype=str(typed.values.dtype),
                n_missing=int(typed.values.isna().sum()),
                original_name=original if original != name else None,
            )
        )
    report.extend(merge_column_notes(column_notes, MERGED_NOTES))
    frame = pd.DataFrame(data, index=pd.RangeIndex(table.n_rows), copy=False)
    report.n_rows, report.n_columns = frame.shape
    logger.info("Read %s: %d rows, %d columns", raw.name, *frame.shape)
    return ReadResult(frame, report)


def read_geojson(source: Source) -> ReadResult:
    """Read a GeoJSON FeatureCollection into a table with one row per feature.

    Parameters
    ----------
    source
        A path, the bytes of the file, or a file object opened in binary mode.

    Returns
    -------
    ReadResult
        The properties of each feature, then ``geometry_type``, ``geometry``
        (the GeoJSON geometry dict) and, when the file has Point features,
        ``longitude`` and ``latitude`` (WGS84; missing for other types).
        The report gives the declared CRS, or says that WGS84 longitude and
        latitude are implied, the feature count and the geometry types.

    Raises
    ------
    ReadError
        If the file is missing, empty, binary, not JSON, or not a GeoJSON
        FeatureCollection or Feature.
    """
    raw = load_source(source, None)
    return read_geojson_file(raw)


def read_dataset(dataset_id: str) -> ReadResult:
    """Fetch a registered dataset and read it with the registry's hints.

    CSV files use the encoding, delimiter, ``id_columns`` and
    ``date_columns`` of the registry; GeoJSON files are read by
    :func:`read_geojson`; a saved CKAN ``datastore_search`` response gives
    its records, typed from ``result.fields``.

    Raises
    ------
    UnknownDatasetError
        If the id is not registered.
    DownloadError, ChecksumMismatchError, MissingColumnsError
        If the verified file cannot be fetched (see :func:`widgets.fetch.fetch`).
    ReadError
        If the dataset is not a table (the CKAN metadata schema) or cannot be read.
    """
    dataset = get_dataset(dataset_id)
    if dataset.kind == "ckan_scheming_schema":
        raise _not_a_table_error(dataset)
    path = fetch(dataset_id)
    raw = load_source(path, None)
    if dataset.kind == "ckan_api_response":
        result = read_datastore_response(raw)
    elif dataset.is_geojson:
        result = read_geojson_file(raw)
    elif dataset.is_tabular:
        result = read_csv(
            path,
            encoding=dataset.encoding or None,
            delimiter=dataset.delimiter,
            id_columns=dataset.id_columns,
            date_columns=dataset.date_columns,
        )
    else:
        raise read_error(
            fr=(
                f"Format {dataset.format!r} du jeu de données {dataset.id!r} non pris en "
                "charge par le lecteur. Utilisez fetch() pour obtenir le chemin du fichier."
            ),
            en=(
                f"Format {dataset.format!r} of dataset {dataset.id!r} is not supported by "
                "the reader. Use fetch() to get the path of the file."
            ),
        )
    result.report.source = f"{dataset.id} ({Path(path).name})"
    _note_registry_hints(dataset, result.report)
    return result


def load(dataset_id: str) -> pd.DataFrame:
    """Return the table of a registered dataset, without the report.

    Shortcut for ``read_dataset(dataset_id).data``.
    """
    return read_dataset(dataset_id).data


def read_columns(path: str | os.PathLike, dataset: Dataset) -> list[str]:
    """Return the column names of a file registered as ``dataset``.

    The CSV header (cleaned as :func:`read_csv` cleans it), the GeoJSON
    property names, or the ids of ``result.fields`` of a ``datastore_search``
    response. For the CKAN metadata schema, the ``field_name`` of each
    dataset field. The encoding and delimiter are detected rather than
    taken from the registry, because a new version of the file may change
    them.

    Raises
    ------
    ReadError
        If the file cannot be read as the registered kind of file.
    """
    raw = load_source(path, None)
    if dataset.kind == "ckan_api_response":
        return datastore_columns(raw)
    if dataset.kind == "ckan_scheming_schema":
        return _schema_field_names(raw)
    if dataset.is_geojson:
        return property_names(geojson_features(raw))
    check_content(raw, None)
    text, _, _ = decode(raw, None, None)
    check_is_table(raw, text, None)
    text, delimiter, _ = remove_separator_line(text)
    if delimiter is None:
        delimiter, _ = detect_delimiter(text, None)
    return read_header(text, delimiter)


def _check_delimiter(delimiter: str | None, language: str | None) -> None:
    if delimiter is not None and len(delimiter) != 1:
        raise read_error(
            fr=(
                f"Délimiteur invalide : {delimiter!r}. Donnez un seul caractère, par "
                "exemple ',', ';', '\\t' ou '|', ou delimiter=None pour le détecter."
            ),
            en=(
                f"Invalid delimiter: {delimiter!r}. Give one character, for example "
                "',', ';', '\\t' or '|', or delimiter=None to detect it."
            ),
            language=language,
        )


def _named_columns(
    names: Iterable[str] | None,
    columns: list[str],
    argument: str,
    source: str,
    language: str | None,
) -> set[str]:
    """Check that the columns named in ``argument`` exist; return them stripped."""
    if names is None:
        return set()
    if isinstance(names, str):
        names = [names]
    wanted = {str(name).strip() for name in names}
    unknown = sorted(wanted - set(columns))
    if unknown:
        close = difflib.get_close_matches(unknown[0], columns, n=3)
        known = ", ".join(close or columns[:10])
        raise read_error(
            fr=(
                f"Colonne(s) {unknown} de {argument} absente(s) de {source!r}. "
                f"Colonnes proches ou présentes : {known}."
            ),
            en=(
                f"Column(s) {unknown} of {argument} not found in {source!r}. "
                f"Close or present columns: {known}."
            ),
            language=language,
        )
    return wanted


def _note_registry_hints(dataset: Dataset, report: ReadReport) -> None:
    hints = []
    if dataset.is_tabular:
        hints.append(f"encoding={dataset.encoding!r}")
        if dataset.delimiter:
            hints.append(f"delimiter={dataset.delimiter!r}")
        if dataset.id_columns:
            hints.append(f"id_columns={list(dataset.id_columns)}")
        if dataset.date_columns:
            hints.append(f"date_columns={list(dataset.date_columns)}")
    if not hints:
        return
    listed = ", ".join(hints)
    report.add(
        "registry_hints",
        fr=f"Indications du registre du cours utilisées : {listed}.",
        en=f"Hints from the course registry used: {listed}.",
    )


def _not_a_table_error(dataset: Dataset):
    return read_error(
        fr=(
            f"Le jeu de données {dataset.id!r} est un schéma de métadonnées CKAN (JSON de "
            "configuration), pas un tableau. Obtenez son chemin avec "
            f"widgets.fetch.fetch({dataset.id!r}) et lisez-le avec json.load."
        ),
        en=(
            f"The dataset {dataset.id!r} is a CKAN metadata schema (configuration "
            "JSON), not a table. Get its path with "
            f"widgets.fetch.fetch({dataset.id!r}) and read it with json.load."
        ),
    )


def _schema_field_names(raw: RawFile) -> list[str]:
    """Return the field names of a ckanext-scheming schema."""
    document, _, _ = parse_json(raw, None)
    fields = document.get("dataset_fields") if isinstance(document, dict) else None
    if not isinstance(fields, list):
        raise read_error(
            fr=f"Le fichier {raw.name!r} n'est pas un schéma ckanext-scheming (pas de dataset_fields).",
            en=f"The file {raw.name!r} is not a ckanext-scheming schema (no dataset_fields).",
        )
    return [str(field.get("field_name")) for field in fields if isinstance(field, dict)]
