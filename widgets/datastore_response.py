"""Saved CKAN ``datastore_search`` responses as tables.

A ``datastore_search`` call on a CKAN portal such as Données Québec returns
``{"success": true, "result": {"fields": [...], "records": [...], "total": N}}``.
The records become the rows, and each column is typed from its entry in
``result.fields``: ``int`` gives nullable ``Int64``, ``numeric`` gives
``Int64`` when every value is whole and ``float64`` otherwise (the rule the
CSV reader follows), ``timestamp`` gives ``datetime64`` and anything else
stays text. A field's ``info.type_override``, set by the publisher, wins
over its ``type``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from widgets.detect import RawFile, parse_json
from widgets.infer import DATETIME_DTYPE, TEXT_DTYPE
from widgets.report import (
    WARNING,
    ColumnInfo,
    ReadReport,
    ReadResult,
    format_count,
    read_error,
)

logger = logging.getLogger(__name__)

FORMAT = "CKAN datastore_search"


def read_datastore_response(raw: RawFile, language: str | None = None) -> ReadResult:
    """Read a saved ``datastore_search`` response into a typed table.

    Raises
    ------
    ReadError
        If the file is not JSON, reports a failed call, or lacks
        ``result.fields`` and ``result.records``.
    """
    document, codec, notes = parse_json(raw, language)
    result = _result(document, raw.name, language)
    fields = result["fields"]
    records = result["records"]
    report = ReadReport(
        source=raw.name, format=FORMAT, encoding=codec, language=language
    )
    report.extend(notes)

    data: dict[str, pd.Series] = {}
    emptied: list[str] = []
    for field in fields:
        name = field["id"]
        series, kind = _typed_column(
            [record.get(name) for record in records], _field_type(field)
        )
        if kind == "text" and bool((series == "").any()):
            emptied.append(name)
            series = series.replace("", np.nan)
        data[name] = series
        report.columns.append(
            ColumnInfo(name, kind, str(series.dtype), int(series.isna().sum()))
        )
    if emptied:
        listed = ", ".join(emptied[:5]) + (", …" if len(emptied) > 5 else "")
        report.add(
            "empty_strings",
            fr=(
                f'Chaînes vides ("") lues comme valeurs manquantes, comme dans un fichier '
                f"CSV, dans {len(emptied)} colonne(s) de texte : {listed}."
            ),
            en=(
                f'Empty strings ("") read as missing values, as in a CSV file, in '
                f"{len(emptied)} text column(s): {listed}."
            ),
            columns=tuple(emptied),
        )

    by_type: dict[str, list[str]] = {}
    for field in fields:
        by_type.setdefault(_field_type(field), []).append(field["id"])
    types = "; ".join(
        f"{ckan_type} ({len(names)})"
        if ckan_type == "text"
        else f"{ckan_type} : {', '.join(names)}"
        for ckan_type, names in by_type.items()
    )
    report.add(
        "ckan_fields",
        fr=f"Types des colonnes tirés de result.fields : {types}.",
        en=f"Column types taken from result.fields: {types.replace(' : ', ': ')}.",
    )
    total = result.get("total")
    if isinstance(total, int) and total > len(records):
        report.add(
            "paged_response",
            fr=(
                f"La réponse contient {format_count(len(records), 'fr')} enregistrement(s) "
                f"sur {format_count(total, 'fr')} : les suivants s'obtiennent avec les "
                "paramètres offset et limit."
            ),
            en=(
                f"The response holds {format_count(len(records), 'en')} of "
                f"{format_count(total, 'en')} records: get the next ones with the offset "
                "and limit parameters."
            ),
            level=WARNING,
        )
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(records)))
    report.n_rows, report.n_columns = frame.shape
    return ReadResult(frame, report)


def datastore_columns(raw: RawFile, language: str | None = None) -> list[str]:
    """Return the column ids listed in ``result.fields`` of a saved response."""
    document, _, _ = parse_json(raw, language)
    return [field["id"] for field in _result(document, raw.name, language)["fields"]]


def _result(document: object, source: str, language: str | None) -> dict:
    """Return the ``result`` member of a successful response, checking its shape."""
    if isinstance(document, dict) and document.get("success") is False:
        error = document.get("error")
        raise read_error(
            fr=f"La réponse CKAN {source!r} signale un échec : {error!r}. Corrigez la requête et refaites l'appel.",
            en=f"The CKAN response {source!r} reports a failure: {error!r}. Fix the request and call again.",
            language=language,
        )
    result = document.get("result") if isinstance(document, dict) else None
    valid = (
        isinstance(result, dict)
        and isinstance(result.get("fields"), list)
        and isinstance(result.get("records"), list)
        and all(isinstance(field, dict) and "id" in field for field in result["fields"])
    )
    if not valid:
        raise read_error(
            fr=(
                f"Le fichier {source!r} n'est pas une réponse datastore_search : il manque "
                "result.fields ou result.records. Vérifiez l'action appelée "
                "(datastore_search) et le format records_format=objects."
            ),
            en=(
                f"The file {source!r} is not a datastore_search response: result.fields or "
                "result.records is missing. Check the action called (datastore_search) and "
                "records_format=objects."
            ),
            language=language,
        )
    return result


def _field_type(field: dict) -> str:
    info = field.get("info")
    if isinstance(info, dict) and info.get("type_override"):
        return str(info["type_override"])
    return str(field.get("type", "text"))


def _typed_column(values: list, ckan_type: str) -> tuple[pd.Series, str]:
    """Convert the values of one field according to its CKAN type."""
    if ckan_type in ("int", "int4", "int8", "bigint"):
        return pd.Series(values, dtype="Int64"), "integer"
    if ckan_type in ("numeric", "float", "float8", "double precision"):
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        whole = numbers.dropna()
        if (
            len(whole)
            and bool((whole == np.floor(whole)).all())
            and all(isinstance(value, int) or value is None for value in values)
        ):
            return numbers.astype("Int64"), "integer"
        return numbers.astype("float64"), "decimal"
    if ckan_type in ("timestamp", "date"):
        series = pd.to_datetime(
            pd.Series(values, dtype=object), format="ISO8601", errors="coerce"
        )
        return series.astype(DATETIME_DTYPE), "datetime"
    if ckan_type == "bool":
        return pd.Series(values, dtype="boolean"), "boolean"
    series = pd.Series(values, dtype=object)
    strings = series.where(series.isna(), series.astype(str))
    return strings.astype(TEXT_DTYPE), "text"
