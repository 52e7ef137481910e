"""The replica's datastore: registered CSV files as DuckDB tables.

CKAN's DataStore keeps each tabular resource in a PostgreSQL table named by
the resource id, with an ``_id`` column numbering the rows and a hidden
``_full_text`` column for text search. The replica does the same in one
in-memory DuckDB database and serves ``datastore_search`` and
``datastore_search_sql`` with CKAN's parameters, defaults and result shape.

Column types follow what the portal's loader produces: a column whose values
all parse as numbers is ``numeric``, one whose values are all dates or
date-times is ``timestamp``, anything else (and every id column of the
registry) is ``text``. A recorded API response of the portal, when the
registry has one for the resource, provides the data dictionary: its labels
and notes, and its ``type_override`` where it sets one.

Notes
-----
The replica's text search (``q``) matches each word of the query as a
substring of the row, ignoring case and accents. CKAN uses PostgreSQL full
text search, which stems words, so a few matches differ.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from urllib.parse import urlencode

import duckdb
import pandas as pd

from widgets.ckan_catalog import resource_id_for
from widgets.ckan_errors import (
    ActionNotAuthorized,
    ActionNotFound,
    ActionValidationError,
)
from widgets.fetch import fetch
from widgets.registry import Dataset, list_datasets
from widgets.sql_safety import METADATA_TABLE, check_select

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 100
# CKAN's ckan.datastore.search.rows_max default.
ROWS_MAX = 32_000
MAX_OFFSET = 2**62
QUERY_TIMEOUT_SECONDS = 10.0
MEMORY_LIMIT = "1GB"
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
TRUE_STRINGS = ("true", "yes", "t", "y", "1")

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# Day-first formats of the registry's date columns, tried in order.
DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")
SORT_CLAUSE = re.compile(r"^(.+?)( +(asc|desc) *)?$", re.IGNORECASE)

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "numeric": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}
SEARCH_PARAMETERS = frozenset(
    {
        "resource_id",
        "id",
        "filters",
        "q",
        "full_text",
        "plain",
        "language",
        "fields",
        "sort",
        "limit",
        "offset",
        "distinct",
        "include_total",
        "total_estimation_threshold",
        "records_format",
    }
)


@dataclass(frozen=True)
class Field:
    """One datastore column: its name, CKAN type and data dictionary entry."""

    id: str
    type: str
    info: dict | None = None

    def describe(self) -> dict:
        """Return the column as CKAN lists it in ``fields``."""
        description: dict = {"id": self.id, "type": self.type}
        if self.info is not None:
            description["info"] = self.info
        return description


@dataclass
class Table:
    """A loaded resource: its id, its dataset and its columns after ``_id``."""

    resource_id: str
    dataset_id: str
    fields: list[Field]
    row_count: int
    field_types: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.field_types = {"_id": "int", **{f.id: f.type for f in self.fields}}


def read_csv_frame(dataset: Dataset) -> pd.DataFrame:
    """Read the registered CSV file of ``dataset`` with every column as text.

    Empty cells become empty strings, as CKAN's loader keeps them in text
    columns; header names lose surrounding spaces, as the loader strips them.
    """
    # Raw text on purpose: the replica types columns itself, as CKAN's loader
    # does, so the course reader's own typing would hide that step.
    path = fetch(dataset.id)
    frame = pd.read_csv(
        path,
        encoding=dataset.encoding,
        sep=dataset.delimiter or ",",
        dtype=str,
        keep_default_na=False,
    )
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame.fillna("")


def type_column(
    values: pd.Series, name: str, dataset: Dataset
) -> tuple[str, pd.Series]:
    """Return the CKAN type of one column and the column converted to that type.

    Typed columns (numbers, dates) keep their type. A text column is
    ``numeric`` when every non-empty value parses as a number. It is
    ``timestamp`` when every non-empty value is an ISO date, or a day-first
    date in one of the registry's date columns. Empty cells then become
    nulls. Other columns, and every id column of the registry, are ``text``.
    """
    if name in dataset.id_columns:
        return "text", convert_column(values, "text")
    if pd.api.types.is_bool_dtype(values):
        return "bool", values.astype("boolean")
    if pd.api.types.is_numeric_dtype(values):
        return "numeric", values.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(values):
        return "timestamp", values

    text = values.astype("string").fillna("")
    present_mask = text != ""
    present = text[present_mask]
    if present.empty:
        return "text", convert_column(values, "text")

    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all():
        column = pd.Series(float("nan"), index=values.index, dtype="float64")
        column.loc[present_mask] = numbers.to_numpy(dtype="float64")
        return "numeric", column

    times = _parse_dates(present, day_first=name in dataset.date_columns)
    if times is not None:
        column = pd.Series(pd.NaT, index=values.index, dtype=times.dtype)
        column.loc[present_mask] = times.to_numpy()
        return "timestamp", column
    return "text", convert_column(values, "text")


def convert_column(values: pd.Series, ckan_type: str) -> pd.Series:
    """Convert one column to the pandas type DuckDB stores for ``ckan_type``."""
    if ckan_type == "numeric":
        return pd.to_numeric(values.replace("", None), errors="raise").astype("float64")
    if ckan_type == "timestamp":
        return _to_timestamps(values)
    if ckan_type == "bool":
        return values.astype("boolean")
    return values.astype("string").fillna("").astype(object)


def load_data_dictionaries(datasets: Iterable[Dataset]) -> dict[str, dict[str, dict]]:
    """Return the data dictionary of each resource that has a recorded API response.

    The result maps resource id to ``{field id: info}``. A response that cannot
    be fetched or read is logged and skipped.
    """
    dictionaries: dict[str, dict[str, dict]] = {}
    for dataset in datasets:
        if dataset.kind != "ckan_api_response" or not dataset.resource_id:
            continue
        try:
            with fetch(dataset.id).open(encoding="utf-8") as stream:
                fields = json.load(stream)["result"]["fields"]
        except Exception as error:  # noqa: BLE001 - a missing dictionary is not fatal
            logger.warning(
                "No data dictionary for resource %s from %s: %s",
                dataset.resource_id,
                dataset.id,
                error,
            )
            continue
        dictionaries[dataset.resource_id] = {
            item["id"]: item["info"]
            for item in fields
            if isinstance(item.get("info"), dict)
        }
    return dictionaries


class Datastore:
    """Registered CSV resources in DuckDB, searched the way CKAN searches them.

    Use :meth:`from_registry` to build one. Each call opens its own DuckDB
    cursor, so one instance serves many threads.
    """

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, tables: dict[str, Table]
    ) -> None:
        self._connection = connection
        self.tables = tables
        self.query_timeout = QUERY_TIMEOUT_SECONDS
        self._watchdog = _Watchdog()

    @classmethod
    def from_registry(cls, datasets: Iterable[Dataset] | None = None) -> Datastore:
        """Load every registered CSV file into a new in-memory DuckDB database.

        A file that fails to load is logged and left out; the others load.
        """
        datasets = list(list_datasets() if datasets is None else datasets)
        dictionaries = load_data_dictionaries(datasets)
        connection = duckdb.connect(":memory:")
        tables: dict[str, Table] = {}
        for dataset in datasets:
            if dataset.kind != "data" or not dataset.is_tabular:
                continue
            resource_id = resource_id_for(dataset)
            try:
                table = _load_table(
                    connection, dataset, resource_id, dictionaries.get(resource_id, {})
                )
            except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
                logger.error(
                    "Could not load %s (resource %s) into the datastore: %s",
                    dataset.id,
                    resource_id,
                    error,
                )
                continue
            tables[resource_id] = table
            logger.info(
                "Loaded %s as resource %s: %d rows, %d columns",
                dataset.id,
                resource_id,
                table.row_count,
                len(table.fields),
            )
        _create_metadata_table(connection, tables)
        _lock_down(connection)
        return cls(connection, tables)

    def close(self) -> None:
        """Stop the query watchdog and close the DuckDB database."""
        self._watchdog.stop()
        self._connection.close()

    def search(
        self, params: dict, *, path: str = "", query_args: dict | None = None
    ) -> dict:
        """Run CKAN's ``datastore_search`` with ``params`` and return its result.

        ``path`` and ``query_args`` are the request's path and query string
        arguments, from which CKAN builds the ``_links`` of the result.

        Raises
        ------
        ActionNotFound
            If the resource is not in the datastore.
        ActionValidationError
            If a parameter is invalid, names an unknown field, or the query fails.
        """
        request = _SearchRequest.parse(params, self.tables)
        select, select_values = request.select_clause()
        where, where_values = request.where_clause()
        order, order_values = request.order_clause()
        source = _identifier(request.resource_id)
        page = [request.limit, request.offset]

        if request.distinct:
            page_sql = f"SELECT DISTINCT {select} FROM {source} {where} {order} LIMIT ? OFFSET ?"
            page_values = [*select_values, *where_values, *order_values, *page]
            count_sql = (
                f"SELECT count(*) FROM (SELECT DISTINCT {select} FROM {source} {where})"
            )
            count_values = [*select_values, *where_values]
        else:
            # Sorting only the row ids, then reading the columns of the page's
            # rows, is several times faster than sorting whole wide rows.
            page_sql = (
                f'WITH page AS (SELECT "_id" FROM {source} {where} {order} LIMIT ? OFFSET ?) '
                f'SELECT {select} FROM {source} WHERE "_id" IN (SELECT "_id" FROM page) {order}'
            )
            page_values = [
                *where_values,
                *order_values,
                *page,
                *select_values,
                *order_values,
            ]
            count_sql = f"SELECT count(*) FROM {source} {where}"
            count_values = where_values

        with self._cursor(request.resource_id) as cursor:
            rows = cursor.execute(page_sql, page_values).fetchall()
            total = None
            if request.include_total:
                total = cursor.execute(count_sql, count_values).fetchone()[0]

        result = request.echo()
        result["records"] = _format_records(
            rows, request.fields, request.field_types(), request.records_format
        )
        result["fields"] = [
            self._describe_field(request, name) for name in request.fields
        ]
        result["_links"] = _links(path, query_args or {}, request.limit, request.offset)
        if request.include_total:
            result["total"] = total
            result["total_was_estimated"] = False
        return result

    def search_sql(self, params: dict) -> dict:
        """Run CKAN's ``datastore_search_sql`` with ``params`` and return its result.

        Raises
        ------
        ActionValidationError
            If the SQL is not one SELECT over known resources, or fails.
        ActionNotAuthorized
            If the SQL calls a function or reads a table that is not allowed.
        """
        unexpected = sorted(set(params) - {"sql"})
        if unexpected:
            raise ActionValidationError(
                {"__junk": [f"The input field {unexpected[0]} was not expected."]}
            )
        checked = check_select(params.get("sql"), set(self.tables))
        cursor = self._connection.cursor()
        try:
            with self._watchdog.limit(cursor, self.query_timeout):
                cursor.execute(checked.sql)
                rows = cursor.fetchmany(ROWS_MAX + 1)
                description = cursor.description or []
        except duckdb.Error as error:
            tables = ", ".join(sorted(checked.tables))
            raise _query_error(error, checked.sql, tables) from error
        finally:
            cursor.close()

        fields = [
            {"id": column[0], "type": _sql_type(column[1])} for column in description
        ]
        converters = [_converter(item["type"]) for item in fields]
        result: dict = {"sql": params["sql"]}
        if len(rows) > ROWS_MAX:
            rows = rows[:ROWS_MAX]
            result["records_truncated"] = True
        result["records"] = [
            {
                item["id"]: convert(value)
                for item, convert, value in zip(fields, converters, row)
            }
            for row in rows
        ]
        result["fields"] = fields
        return result

    def _describe_field(self, request: _SearchRequest, name: str) -> dict:
        if name == "_id":
            return {"id": "_id", "type": "int"}
        if name in request.ranks:
            return {"id": name, "type": "float"}
        for item in request.table.fields:
            if item.id == name:
                return item.describe()
        raise KeyError(name)

    @contextlib.contextmanager
    def _cursor(self, resource_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a fresh cursor whose queries stop after ``query_timeout`` seconds.

        DuckDB errors become CKAN's validation errors of ``datastore_search``.
        """
        cursor = self._connection.cursor()
        try:
            with self._watchdog.limit(cursor, self.query_timeout):
                yield cursor
        except duckdb.InterruptException as error:
            logger.info("datastore_search on %s took too long", resource_id)
            raise ActionValidationError({"query": ["Search took too long"]}) from error
        except duckdb.Error as error:
            logger.info("datastore_search on %s failed: %s", resource_id, error)
            message = str(error).splitlines()[0]
            raise ActionValidationError(
                {"query": ["Invalid query"], "info": {"orig": [message]}}
            ) from error
        finally:
            cursor.close()


class _Watchdog:
    """Interrupt DuckDB cursors whose query runs past its deadline.

    One thread serves every query, since starting a timer thread per query
    costs milliseconds.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._next_token = 0
        self._thread: threading.Thread | None = None
        self._stopped = False

    @contextlib.contextmanager
    def limit(
        self, cursor: duckdb.DuckDBPyConnection, seconds: float
    ) -> Iterator[None]:
        """Interrupt ``cursor`` if the enclosed block lasts more than ``seconds``."""
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="datastore-watchdog", daemon=True
                )
                self._thread.start()
            token = self._next_token
            self._next_token += 1
            self._deadlines[token] = (monotonic() + seconds, cursor)
            self._condition.notify()
        try:
            yield
        finally:
            with self._condition:
                self._deadlines.pop(token, None)

    def stop(self) -> None:
        """End the watchdog thread."""
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def _watch(self) -> None:
        with self._condition:
            while not self._stopped:
                now = monotonic()
                for token, (deadline, cursor) in list(self._deadlines.items()):
                    if deadline <= now:
                        cursor.interrupt()
                        self._deadlines.pop(token, None)
                upcoming = [deadline for deadline, _ in self._deadlines.values()]
                self._condition.wait(timeout=min(upcoming) - now if upcoming else None)


@dataclass
class _SearchRequest:
    """Validated parameters of one ``datastore_search`` call.

    ``ranks`` maps each rank column CKAN adds for a text search (``rank``
    for a string ``q``, ``rank <field>`` per field of a dict ``q``) to the
    text expression searched and the query words.
    """

    resource_id: str
    table: Table
    params: dict
    filters: dict
    ranks: dict[str, tuple[str, list[str]]]
    fields: list[str]
    sort: list[tuple[str, str]]
    limit: int
    offset: int
    distinct: bool
    include_total: bool
    records_format: str

    @classmethod
    def parse(cls, params: dict, tables: dict[str, Table]) -> _SearchRequest:
        params = dict(params)
        unexpected = sorted(set(params) - SEARCH_PARAMETERS)
        if unexpected:
            raise ActionValidationError(
                {"__junk": [f"The input field {unexpected[0]} was not expected."]}
            )
        if "id" in params and "resource_id" not in params:
            params["resource_id"] = params.pop("id")
        resource_id = params.get("resource_id")
        if not isinstance(resource_id, str) or not resource_id:
            raise ActionValidationError({"resource_id": ["Missing value"]})
        table = tables.get(resource_id)
        if table is None:
            raise ActionNotFound(f'Resource "{_shorten(resource_id)}" was not found.')

        columns = table.field_types
        filters = _parse_json_object(params.get("filters"), "filters")
        for name, value in filters.items():
            _check_filter(name, value, columns)
        ranks = _rank_columns(_parse_q(params.get("q"), columns))
        known = {**columns, **{alias: "float" for alias in ranks}}

        fields = _parse_list(params.get("fields"), "fields")
        unknown = [name for name in fields if name not in known]
        if unknown:
            raise ActionValidationError(
                {"fields": [f'invalid value "{_shorten(unknown[0])}"']}
            )
        records_format = params.get("records_format", "objects")
        if records_format not in RECORDS_FORMATS:
            raise ActionValidationError(
                {"records_format": [f"Value must be one of {list(RECORDS_FORMATS)}"]}
            )
        sort = [
            _parse_sort_clause(item, known)
            for item in _parse_list(params.get("sort"), "sort")
        ]
        return cls(
            resource_id=resource_id,
            table=table,
            params=params,
            filters=filters,
            ranks=ranks,
            fields=fields or list(known),
            sort=sort,
            limit=min(
                _natural_number(params.get("limit", DEFAULT_LIMIT), "limit"), ROWS_MAX
            ),
            offset=_natural_number(params.get("offset", 0), "offset"),
            distinct=_boolean(params.get("distinct", False)),
            include_total=_boolean(params.get("include_total", True)),
            records_format=records_format,
        )

    def field_types(self) -> list[str]:
        """Return the CKAN type of each selected field."""
        return [
            "float" if n in self.ranks else self.table.field_types[n]
            for n in self.fields
        ]

    def select_clause(self) -> tuple[str, list]:
        """Return the selected columns, with the parameters of rank columns."""
        parts: list[str] = []
        values: list = []
        for name in self.fields:
            if name in self.ranks:
                expression, rank_values = _rank_expression(*self.ranks[name])
                parts.append(f"{expression} AS {_identifier(name)}")
                values.extend(rank_values)
            else:
                parts.append(_identifier(name))
        return ", ".join(parts), values

    def where_clause(self) -> tuple[str, list]:
        """Return the WHERE clause for filters and ``q``, with its parameters."""
        clauses: list[str] = []
        values: list = []
        types = self.table.field_types
        for name, value in self.filters.items():
            cast = _parameter_cast(types[name])
            if isinstance(value, list):
                if not value:
                    clauses.append("false")
                    continue
                marks = ", ".join(cast for _ in value)
                clauses.append(f"{_identifier(name)} IN ({marks})")
                values.extend(_filter_value(item, types[name]) for item in value)
            else:
                clauses.append(f"{_identifier(name)} = {cast}")
                values.append(_filter_value(value, types[name]))

        for text, words in self.ranks.values():
            for word in words:
                clauses.append(f"contains({text}, strip_accents(lower(?)))")
                values.append(word)
        if not clauses:
            return "", values
        return "WHERE " + " AND ".join(f"({clause})" for clause in clauses), values

    def order_clause(self) -> tuple[str, list]:
        """Return the ORDER BY clause and its parameters.

        The requested sort comes first, else the rank of a text search. Unless
        the search is DISTINCT, ``_id`` breaks ties, so pages never overlap.
        """
        keys = self.sort
        if not keys and not self.distinct:
            keys = [(alias, "DESC") for alias in self.ranks]
        parts: list[str] = []
        values: list = []
        for name, direction in keys:
            if name in self.ranks and not self.distinct:
                expression, rank_values = _rank_expression(*self.ranks[name])
                parts.append(f"{expression} {direction}")
                values.extend(rank_values)
            else:
                parts.append(f"{_identifier(name)} {direction}")
        if not self.distinct and all(name != "_id" for name, _ in keys):
            parts.append('"_id" ASC')
        if not parts:
            return "", []
        return "ORDER BY " + ", ".join(parts), values

    def echo(self) -> dict:
        """Return the request as CKAN echoes it at the start of the result."""
        echoed = {
            "include_total": self.include_total,
            "limit": self.limit,
            "records_format": self.records_format,
            "resource_id": self.resource_id,
            "total_estimation_threshold": self.params.get("total_estimation_threshold"),
        }
        for name in (
            "distinct",
            "filters",
            "offset",
            "q",
            "sort",
            "full_text",
            "plain",
        ):
            if name in self.params:
                echoed[name] = self.params[name]
        if "filters" in echoed:
            echoed["filters"] = self.filters
        if "offset" in echoed:
            echoed["offset"] = self.offset
        return dict(sorted(echoed.items()))


def _rank_columns(q: str | dict | None) -> dict[str, tuple[str, list[str]]]:
    """Return CKAN's rank columns for ``q``: alias to (text expression, words)."""
    if isinstance(q, str):
        words = _words(q)
        return {"rank": ("_full_text", words)} if words else {}
    if isinstance(q, dict):
        ranks = {}
        for name, text in q.items():
            words = _words(text)
            if words:
                column = f"strip_accents(lower(CAST({_identifier(name)} AS VARCHAR)))"
                ranks[f"rank {name}"] = (column, words)
        return ranks
    return {}


def _rank_expression(text: str, words: list[str]) -> tuple[str, list]:
    """Return a relevance score: query-word occurrences per character of text.

    NOTE: an approximation of PostgreSQL's ts_rank, enough to order results.
    """
    counts = [
        f"(length({text}) - length(replace({text}, strip_accents(lower(?)), '')))"
        f" / greatest(length(?), 1)"
        for _ in words
    ]
    values = [item for word in words for item in (word, word)]
    expression = f"CAST(({' + '.join(counts)}) AS DOUBLE) / (1 + length({text}))"
    return expression, values


def _load_table(
    connection: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    resource_id: str,
    dictionary: dict[str, dict],
) -> Table:
    """Read, type and store one CSV file as the table ``resource_id``."""
    frame = read_csv_frame(dataset)
    fields: list[Field] = []
    typed: dict[str, pd.Series] = {}
    for name in frame.columns:
        info = dictionary.get(name)
        ckan_type, column = type_column(frame[name], name, dataset)
        override = (info or {}).get("type_override")
        if override in DUCKDB_TYPES and override != ckan_type:
            logger.info(
                "Column %r of resource %s: type %s from the data dictionary, %s inferred",
                name,
                resource_id,
                override,
                ckan_type,
            )
            ckan_type = override
            column = convert_column(frame[name], ckan_type)
        typed[name] = column
        fields.append(Field(name, ckan_type, info))

    columns = pd.DataFrame(typed)
    columns.insert(0, "_id", range(1, len(columns) + 1))
    view = f"frame_{abs(hash(resource_id))}"
    connection.register(view, columns)
    try:
        text_columns = ", ".join(
            f"coalesce(CAST({_identifier(item.id)} AS VARCHAR), '')" for item in fields
        )
        selected = ", ".join(
            f"CAST({_identifier(item.id)} AS {DUCKDB_TYPES[item.type]}) AS {_identifier(item.id)}"
            for item in fields
        )
        connection.execute(
            f"CREATE TABLE {_identifier(resource_id)} AS SELECT CAST(_id AS INTEGER) AS _id, "
            f"strip_accents(lower(concat_ws(' ', {text_columns}))) AS _full_text, {selected} "
            f"FROM {view} ORDER BY _id"
        )
    finally:
        connection.unregister(view)
    return Table(resource_id, dataset.id, fields, len(columns))


def _create_metadata_table(
    connection: duckdb.DuckDBPyConnection, tables: dict[str, Table]
) -> None:
    """Create CKAN's ``_table_metadata`` listing the datastore tables."""
    connection.execute(
        f"CREATE TABLE {METADATA_TABLE} (_id INTEGER, alias_of VARCHAR, name VARCHAR, oid INTEGER)"
    )
    for number, resource_id in enumerate(tables, start=1):
        connection.execute(
            f"INSERT INTO {METADATA_TABLE} VALUES (?, NULL, ?, ?)",
            [number, resource_id, number],
        )


def _lock_down(connection: duckdb.DuckDBPyConnection) -> None:
    """Close the database to files, extensions and setting changes, then lock it."""
    for statement in (
        "SET enable_external_access = false",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET python_enable_replacements = false",
        f"SET memory_limit = '{MEMORY_LIMIT}'",
        "SET lock_configuration = true",
    ):
        connection.execute(statement)


def _parse_dates(values: pd.Series, *, day_first: bool) -> pd.Series | None:
    """Parse non-empty date strings: ISO 8601, or day-first when allowed; else None."""
    if values.str.match(ISO_DATE).all():
        return pd.to_datetime(values, format="ISO8601")
    if not day_first:
        return None
    for fmt in DAY_FIRST_FORMATS:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        if parsed.notna().all():
            return parsed
    return None


def _to_timestamps(values: pd.Series) -> pd.Series:
    """Parse ISO or day-first date strings; empty strings become NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").fillna("")
    present_mask = text != ""
    parsed = _parse_dates(text[present_mask], day_first=True)
    if parsed is None:
        raise ValueError(f"column {values.name!r} has values that are not dates")
    column = pd.Series(pd.NaT, index=values.index, dtype=parsed.dtype)
    column.loc[present_mask] = parsed.to_numpy()
    return column


def _identifier(name: str) -> str:
    """Quote ``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _parameter_cast(ckan_type: str) -> str:
    if ckan_type in ("numeric", "timestamp", "bool"):
        return f"CAST(? AS {DUCKDB_TYPES[ckan_type]})"
    if ckan_type == "int":
        return "CAST(? AS BIGINT)"
    return "?"


def _filter_value(value: object, ckan_type: str) -> object:
    # CKAN compares text columns with the value's string form.
    if ckan_type == "text":
        return str(value)
    if isinstance(value, bool):
        return str(value).lower()
    return value if value is None else str(value)


def _check_filter(name: object, value: object, columns: dict[str, str]) -> None:
    if name not in columns:
        raise ActionValidationError(
            {"filters": [f'invalid value "{_shorten(str(name))}"']}
        )
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, (dict, list)) for item in items):
        raise ActionValidationError(
            {
                "filters": [
                    f'invalid value for field "{_shorten(str(name))}": nested values'
                ]
            }
        )


def _parse_json_object(value: object, name: str) -> dict:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ActionValidationError(
                {name: ["Could not parse as valid JSON"]}
            ) from error
    if not isinstance(value, dict):
        raise ActionValidationError({name: ["Not a JSON object"]})
    return value


def _parse_q(value: object, columns: dict[str, str]) -> str | dict | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for name, text in value.items():
            if name not in columns or not isinstance(text, str):
                raise ActionValidationError(
                    {"q": [f'invalid value "{_shorten(str(name))}"']}
                )
        return value
    raise ActionValidationError({"q": ["Must be a string or a JSON object"]})


def _parse_list(value: object, name: str) -> list[str]:
    """Read CKAN's list-or-comma-separated-string parameters."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    raise ActionValidationError({name: ["Not a list of strings"]})


def _parse_sort_clause(clause: str, columns: dict[str, str]) -> tuple[str, str]:
    match = SORT_CLAUSE.match(clause)
    if match:
        name = match.group(1)
        if len(name) > 1 and name[0] == name[-1] == '"':
            name = name[1:-1]
        if name in columns:
            return name, (match.group(3) or "asc").upper()
    raise ActionValidationError({"sort": [f'invalid value "{_shorten(clause)}"']})


def _natural_number(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ActionValidationError({name: ["Invalid integer"]})
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ActionValidationError({name: ["Invalid integer"]}) from error
    if isinstance(value, float) and value != number:
        raise ActionValidationError({name: ["Invalid integer"]})
    if number < 0:
        raise ActionValidationError({name: ["Must be a natural number"]})
    if number > MAX_OFFSET:
        raise ActionValidationError({name: ["Invalid integer"]})
    return number


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_STRINGS


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _links(path: str, query_args: dict, limit: int, offset: int) -> dict:
    """Build CKAN's ``_links``: the request's URL without and with the next offset."""
    start = {key: value for key, value in query_args.items() if key != "offset"}
    following = {**query_args, "offset": offset + limit}
    links = {
        "start": _with_query(path, start),
        "next": _with_query(path, following),
    }
    if offset - limit > 0:
        links["prev"] = _with_query(path, {**query_args, "offset": offset - limit})
    return links


def _with_query(path: str, args: dict) -> str:
    query = urlencode(args)
    return f"{path}?{query}" if query else path


def _format_records(
    rows: list[tuple], names: list[str], types: list[str], records_format: str
) -> list | str:
    """Convert DuckDB rows to CKAN's records: objects, lists, CSV or TSV text."""
    # Converting column by column skips the columns that need no change.
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in names]
    for index, ckan_type in enumerate(types):
        if ckan_type == "numeric":
            # Stored as DOUBLE: whole numbers lose their fraction and values that
            # are not finite (v - v is NaN for them) become null.
            columns[index] = [
                v
                if v is None
                else int(v)
                if v.is_integer()
                else v
                if v - v == 0
                else None
                for v in columns[index]
            ]
            continue
        convert = _converter(ckan_type)
        if convert is not _identity:
            columns[index] = [convert(value) for value in columns[index]]
    converted = zip(*columns)
    if records_format == "objects":
        return [dict(zip(names, row)) for row in converted]
    lists = [list(row) for row in converted]
    if records_format == "lists":
        return lists
    return _delimited(lists, "," if records_format == "csv" else "\t")


def _delimited(rows: list[list], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows(
        [["" if value is None else value for value in row] for row in rows]
    )
    return buffer.getvalue()


def _converter(ckan_type: str) -> Callable[[object], object]:
    """Return the function that turns a DuckDB value into CKAN's JSON value."""
    if ckan_type == "numeric":
        return _json_number
    if ckan_type in ("float", "float4", "float8"):
        return _json_float
    if ckan_type == "timestamp":
        return _json_timestamp
    if ckan_type in ("int", "text", "bool", "int4", "int8", "int2"):
        return _identity
    return _json_value


def _identity(value: object) -> object:
    return value


def _json_number(value: object) -> object:
    """Write whole numbers without a fraction, as PostgreSQL numerics are written."""
    if value is None or value.__class__ is int:
        return value
    if value.__class__ is float:
        if value.is_integer():
            return int(value)
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _json_timestamp(value: object) -> object:
    """Write a timestamp as CKAN does: ISO 8601 to the second, no time zone."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return _json_value(value)


def _json_float(value: object) -> object:
    """Keep floats as floats; JSON has no NaN or infinity, so those become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_value(value: object) -> object:
    """Turn any DuckDB value into a JSON-compatible one."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, Decimal):
        return _json_number(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return str(value)


def _sql_type(duckdb_type: object) -> str:
    """Name a DuckDB result type the way PostgreSQL names it in CKAN's results.

    DOUBLE is reported as ``numeric`` because the replica stores CKAN's
    numeric columns as DOUBLE.
    """
    name = str(duckdb_type).upper()
    if name.endswith("[]"):
        return "_" + _sql_type(name[:-2])
    if name.startswith("DECIMAL") or name in (
        "DOUBLE",
        "HUGEINT",
        "UBIGINT",
        "UHUGEINT",
    ):
        return "numeric"
    simple = {
        "INTEGER": "int4",
        "BIGINT": "int8",
        "SMALLINT": "int2",
        "TINYINT": "int2",
        "UINTEGER": "int8",
        "USMALLINT": "int4",
        "UTINYINT": "int2",
        "FLOAT": "float4",
        "VARCHAR": "text",
        "BOOLEAN": "bool",
        "DATE": "date",
        "TIME": "time",
        "INTERVAL": "interval",
        "BLOB": "bytea",
        "UUID": "uuid",
    }
    if name in simple:
        return simple[name]
    if name.startswith("TIMESTAMP"):
        return "timestamptz" if "TIME ZONE" in name else "timestamp"
    if name.startswith(("STRUCT", "MAP", "JSON")):
        return "json"
    return name.lower()


def _query_error(error: duckdb.Error, sql: str, tables: str) -> Exception:
    """Map a DuckDB error of ``datastore_search_sql`` to CKAN's error."""
    if isinstance(error, duckdb.InterruptException):
        logger.info(
            "SQL query on %s took too long: %s", tables or "no table", sql[:200]
        )
        return ActionValidationError({"query": ["Query took too long"]})
    if isinstance(error, duckdb.PermissionException):
        # The syntax check should have stopped this query. The locked
        # database rejected it, so record the gap in the check.
        logger.warning(
            "Locked database rejected a checked query on %s: %s", tables, error
        )
        return ActionNotAuthorized("Not authorized to read files or reach the network")
    logger.info("SQL query on %s failed: %s", tables or "no table", error)
    message = str(error).splitlines()[0]
    return ActionValidationError(
        {"query": [message], "info": {"statement": [sql], "orig": [str(error)]}}
    )
