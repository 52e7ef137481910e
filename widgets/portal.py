"""A client for the CKAN action API of Données Québec, or of its offline replica.

The client talks to ``https://www.donneesquebec.ca/recherche/api/3/action/``
unless the ``DONNEESQC_API`` environment variable (or the ``base_url``
argument) names another API, such as the course's replica started with
``python -m widgets.replica --port 8765``.

Every method returns a result object that keeps the exact URL it sent
(``.url``), the portal's ``result`` as plain Python data (``.result``) and
turns it into a pandas DataFrame with ``.to_dataframe()``. To show a URL
without sending it, use :meth:`PortalClient.url_for`::

    client = PortalClient()
    client.url_for("datastore_search", resource_id="19385b4e-...", limit=5)
    page = client.datastore_search("19385b4e-...", filters={"regadm": "Estrie (05)"})
    page.total, page.url, page.to_dataframe()

Failures raise subclasses of :class:`PortalError` (a
:class:`widgets.errors.CourseError`, in French and English) that keep the
portal's own message: :class:`NotFoundError`, :class:`ValidationError`,
:class:`AuthorizationError`, :class:`SearchQueryError`,
:class:`BadRequestError`, and :class:`PortalUnavailableError` /
:class:`PortalTimeoutError` when the server cannot be reached in time.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self

import pandas as pd
import requests

from widgets.errors import CourseError
from widgets.fetch import USER_AGENT

logger = logging.getLogger(__name__)

API_VARIABLE = "DONNEESQC_API"
PORTAL_API_URL = "https://www.donneesquebec.ca/recherche/api/3/action/"
REPLICA_COMMAND = "python -m widgets.replica --port 8765"
REPLICA_API_URL = "http://127.0.0.1:8765/api/3/action/"
# (connect, read) timeouts in seconds.
DEFAULT_TIMEOUT = (3.05, 30.0)
DEFAULT_RETRIES = 3
BACKOFF_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_PAGE_SIZE = 1000
# Parameters CKAN reads as comma-separated lists; other lists and dicts go as JSON.
COMMA_LIST_PARAMETERS = frozenset({"fields", "sort"})
INTEGER_TYPES = frozenset({"int", "int2", "int4", "int8", "integer", "bigint"})
FLOAT_TYPES = frozenset({"numeric", "float", "float4", "float8", "double precision"})
TIME_TYPES = frozenset({"timestamp", "timestamptz", "date"})


class PortalError(CourseError):
    """The portal (or the replica) returned an error for an action.

    Attributes
    ----------
    action, url, status
        The action called, the URL sent and the HTTP status (None without a response).
    error
        CKAN's ``error`` object, with ``__type`` and ``message`` or field errors.
    portal_message
        The portal's own message, unchanged.
    """

    def __init__(
        self,
        fr: str,
        en: str,
        *,
        action: str = "",
        url: str = "",
        status: int | None = None,
        error: dict | None = None,
        portal_message: str = "",
    ) -> None:
        super().__init__(fr=fr, en=en)
        self.action = action
        self.url = url
        self.status = status
        self.error = error or {}
        self.portal_message = portal_message


class NotFoundError(PortalError):
    """CKAN's ``Not Found Error`` (HTTP 404): unknown package, resource or organization."""


class ValidationError(PortalError):
    """CKAN's ``Validation Error`` (HTTP 409); ``field_errors`` maps parameter to messages."""

    @property
    def field_errors(self) -> dict:
        """Return the error messages by parameter name."""
        return {key: value for key, value in self.error.items() if key != "__type"}


class AuthorizationError(PortalError):
    """CKAN's ``Authorization Error`` (HTTP 403), such as a forbidden SQL function."""


class SearchQueryError(PortalError):
    """CKAN's ``Search Query Error`` or ``Search Error`` from ``package_search``."""


class BadRequestError(PortalError):
    """HTTP 400 before any action ran, such as an unknown action name."""


class PortalUnavailableError(PortalError):
    """The server could not be reached, or sent something that is not CKAN's JSON."""


class PortalTimeoutError(PortalUnavailableError):
    """The server did not respond within the timeout."""


ERROR_CLASSES: dict[str, type[PortalError]] = {
    "Not Found Error": NotFoundError,
    "Validation Error": ValidationError,
    "Authorization Error": AuthorizationError,
    "Search Query Error": SearchQueryError,
    "Search Error": SearchQueryError,
}

HINTS = {
    NotFoundError: (
        (
            "Vérifiez l'identifiant : il doit exister sur ce serveur (package_list, "
            "package_show ou le champ resources[].id en donnent la liste)."
        ),
        (
            "Check the id: it must exist on this server (package_list, package_show or "
            "the resources[].id field list them)."
        ),
    ),
    ValidationError: (
        (
            "Corrigez le paramètre nommé dans le message (nom de colonne, JSON de filters, "
            "requête SQL)."
        ),
        "Fix the parameter named in the message (column name, filters JSON, SQL query).",
    ),
    AuthorizationError: (
        (
            "Cette requête n'est pas permise : une requête SQL ne peut lire que les tables "
            "des ressources, avec les fonctions autorisées."
        ),
        (
            "This request is not allowed: an SQL query may only read resource tables, "
            "with the allowed functions."
        ),
    ),
    SearchQueryError: (
        "Corrigez la syntaxe de q, fq ou sort.",
        "Fix the syntax of q, fq or sort.",
    ),
    BadRequestError: (
        "Vérifiez le nom de l'action et le format de la requête.",
        "Check the action name and the request format.",
    ),
}


def api_base_url(base_url: str | None = None) -> str:
    """Return the action API base URL, ending with ``/``.

    ``base_url`` wins, then ``DONNEESQC_API``, then the portal. A bare server
    address such as ``http://127.0.0.1:8765`` gets ``/api/3/action/`` appended.
    """
    value = (
        base_url or os.environ.get(API_VARIABLE, "").strip() or PORTAL_API_URL
    ).strip()
    if "/api/" not in value + "/":
        value = value.rstrip("/") + "/api/3/action/"
    return value.rstrip("/") + "/"


@dataclass
class ActionResult:
    """The ``result`` of one action call, with the URL that produced it."""

    action: str
    url: str
    result: object
    help: str | None = None
    body: dict | None = None

    def to_dataframe(self) -> pd.DataFrame:
        """Return the result as a table: one row per item of a list, or one row."""
        if isinstance(self.result, list):
            if all(isinstance(item, dict) for item in self.result):
                return pd.DataFrame(self.result)
            return pd.DataFrame({"value": self.result})
        if isinstance(self.result, dict):
            return pd.DataFrame([self.result])
        return pd.DataFrame({"value": [self.result]})


@dataclass
class PackageSearchResult(ActionResult):
    """A ``package_search`` page: ``count`` matches, this page's ``results``."""

    @property
    def count(self) -> int:
        """Number of packages that match, over all pages."""
        return int(self.result["count"])

    @property
    def results(self) -> list[dict]:
        """Packages of this page."""
        return list(self.result["results"])

    @property
    def facets(self) -> dict:
        """Facet counts by field, as ``{field: {value: count}}``."""
        return dict(self.result.get("facets", {}))

    def to_dataframe(self) -> pd.DataFrame:
        """Return one row per package with its main metadata fields."""
        return packages_dataframe(self.results)


@dataclass
class PackageResult(ActionResult):
    """A ``package_show`` result; :meth:`to_dataframe` lists its resources."""

    def to_dataframe(self) -> pd.DataFrame:
        """Return one row per resource of the package."""
        return pd.DataFrame(self.result.get("resources", []))


@dataclass
class DatastoreResult(ActionResult):
    """A ``datastore_search`` page or a ``datastore_search_sql`` result."""

    @property
    def records(self) -> list:
        """Rows of this page, as dicts (or lists with ``records_format="lists"``)."""
        return list(self.result.get("records", []))

    @property
    def fields(self) -> list[dict]:
        """Columns with their CKAN types, ``_id`` first."""
        return list(self.result.get("fields", []))

    @property
    def total(self) -> int | None:
        """Number of matching rows over all pages (None with ``include_total=False``)."""
        return self.result.get("total")

    def to_dataframe(self) -> pd.DataFrame:
        """Return the records as a DataFrame with columns typed by their CKAN type.

        ``int`` columns become nullable integers, ``numeric`` and ``float`` floats,
        ``timestamp`` and ``date`` datetimes; text stays text.
        """
        return records_dataframe(self.records, self.fields)


@dataclass
class PortalClient:
    """Client for a CKAN action API: the portal's, or the replica's.

    Parameters
    ----------
    base_url
        Action API base URL; defaults to ``DONNEESQC_API``, then the portal.
    timeout
        ``(connect, read)`` timeouts in seconds.
    retries
        How many times to retry after a 429 or 5xx response, a timeout or a
        connection failure. Waits grow as ``backoff * 2**attempt`` seconds, or
        follow the server's ``Retry-After`` up to ``max_retry_after`` seconds.
    backoff
        First wait between attempts, in seconds.
    max_retry_after
        Maximum wait, in seconds, that a ``Retry-After`` header can ask for.
    session
        A ``requests.Session`` to use; a new one by default.
    """

    base_url: str | None = None
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = BACKOFF_SECONDS
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        self.base_url = api_base_url(self.base_url)
        self.session.headers["User-Agent"] = USER_AGENT
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, not {self.retries}.")

    def close(self) -> None:
        """Close the HTTP session and its connections."""
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url_for(self, action: str, **params: object) -> str:
        """Return the exact GET URL that calling ``action`` with ``params`` sends.

        ``None`` values are left out; dicts and lists are written as JSON, except
        ``fields`` and ``sort``, which CKAN reads as comma-separated text.
        Parameter names with a dot (``facet.field``) can be given with an
        underscore (``facet_field``) or through ``**{"facet.field": ...}``.
        """
        request = requests.Request(
            "GET", self.base_url + action, params=encode_params(params)
        )
        return request.prepare().url

    def call(
        self, action: str, params: dict | None = None, *, method: str = "GET"
    ) -> ActionResult:
        """Call ``action`` with ``params`` by GET (or POST with a JSON body).

        Raises
        ------
        PortalError
            A subclass naming CKAN's error type, with the portal's message.
        """
        params = {
            key: value for key, value in (params or {}).items() if value is not None
        }
        response, url, body = self._send(action, params, method)
        envelope = _decode(response, action, url, self.base_url)
        if not envelope.get("success"):
            raise _error_from_envelope(
                envelope, response.status_code, action, url, self.base_url
            )
        result_class = _RESULT_CLASSES.get(action, ActionResult)
        return result_class(
            action=action,
            url=url,
            result=envelope.get("result"),
            help=envelope.get("help"),
            body=body,
        )

    def package_search(
        self,
        q: str | None = None,
        fq: str | None = None,
        rows: int | None = None,
        start: int | None = None,
        sort: str | None = None,
        facet_fields: list[str] | None = None,
    ) -> PackageSearchResult:
        """Search packages (datasets) with Solr syntax, such as ``q="vélo"``.

        ``fq`` filters without scoring (``"organization:mamh"``), ``rows`` and
        ``start`` page, ``facet_fields`` requests counts by field.
        """
        params = {"q": q, "fq": fq, "rows": rows, "start": start, "sort": sort}
        if facet_fields is not None:
            params["facet.field"] = list(facet_fields)
        return self.call("package_search", params)

    def iter_package_search(
        self,
        q: str | None = None,
        fq: str | None = None,
        sort: str | None = None,
        *,
        page_size: int = 100,
        max_pages: int | None = None,
    ) -> Iterator[PackageSearchResult]:
        """Yield ``package_search`` pages until every match has been returned."""
        start = 0
        pages = 0
        while max_pages is None or pages < max_pages:
            page = self.package_search(
                q=q, fq=fq, rows=page_size, start=start, sort=sort
            )
            pages += 1
            if not page.results:
                return
            yield page
            start += len(page.results)
            if start >= page.count:
                return

    def package_show(self, id: str) -> PackageResult:
        """Return one package by id or name, with its resources."""
        return self.call("package_show", {"id": id})

    def package_list(self) -> ActionResult:
        """Return the names of all packages."""
        return self.call("package_list")

    def organization_list(self, all_fields: bool = False) -> ActionResult:
        """Return organization names, or their full records with ``all_fields``."""
        return self.call("organization_list", {"all_fields": all_fields})

    def organization_show(self, id: str) -> ActionResult:
        """Return one organization by id or name."""
        return self.call("organization_show", {"id": id})

    def license_list(self) -> ActionResult:
        """Return the licences the portal offers."""
        return self.call("license_list")

    def datastore_search(
        self,
        resource_id: str,
        q: str | dict | None = None,
        filters: dict | None = None,
        fields: list[str] | str | None = None,
        sort: str | list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        *,
        include_total: bool | None = None,
        records_format: str | None = None,
        distinct: bool | None = None,
    ) -> DatastoreResult:
        """Search the rows of a datastore resource.

        Parameters
        ----------
        resource_id
            The resource's id.
        q
            Text to find in any column, or ``{column: text}``.
        filters
            ``{column: value}`` or ``{column: [value, ...]}``, exact matches.
        fields
            Columns to return, in this order.
        sort
            Such as ``"mpopul desc, munnom"``.
        limit, offset
            Page size (CKAN's default 100, maximum 32 000) and first row.
        """
        params = {
            "resource_id": resource_id,
            "q": q,
            "filters": filters,
            "fields": fields,
            "sort": sort,
            "limit": limit,
            "offset": offset,
            "include_total": include_total,
            "records_format": records_format,
            "distinct": distinct,
        }
        return self.call("datastore_search", params)

    def iter_datastore_search(
        self,
        resource_id: str,
        q: str | dict | None = None,
        filters: dict | None = None,
        fields: list[str] | str | None = None,
        sort: str | list[str] | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_records: int | None = None,
        records_format: str | None = None,
    ) -> Iterator[DatastoreResult]:
        """Yield ``datastore_search`` pages until ``total`` rows have been read.

        The first page requests the total and the next ones skip counting. The
        offset grows by the rows actually received, so a server that caps
        ``limit`` lower than ``page_size`` is still read to the end.
        """
        offset = 0
        total: int | None = None
        while total is None or offset < total:
            limit = (
                page_size
                if max_records is None
                else min(page_size, max_records - offset)
            )
            if limit <= 0:
                return
            page = self.datastore_search(
                resource_id,
                q=q,
                filters=filters,
                fields=fields,
                sort=sort,
                limit=limit,
                offset=offset,
                include_total=total is None,
                records_format=records_format,
            )
            if total is None:
                total = page.total if page.total is not None else 0
            if not page.records:
                return
            yield page
            offset += len(page.records)

    def datastore_dataframe(
        self,
        resource_id: str,
        q: str | dict | None = None,
        filters: dict | None = None,
        fields: list[str] | str | None = None,
        sort: str | list[str] | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_records: int | None = None,
    ) -> pd.DataFrame:
        """Read every matching row, page by page, into one typed DataFrame.

        Pages are requested with ``records_format="lists"``, which CKAN sends
        without repeating the column names in every row.
        """
        pages = list(
            self.iter_datastore_search(
                resource_id,
                q=q,
                filters=filters,
                fields=fields,
                sort=sort,
                page_size=page_size,
                max_records=max_records,
                records_format="lists",
            )
        )
        if not pages:
            return pd.DataFrame()
        records = [record for page in pages for record in page.records]
        return records_dataframe(records, pages[0].fields)

    def datastore_search_sql(self, sql: str) -> DatastoreResult:
        """Run one read-only SELECT; tables are resource ids in double quotes."""
        return self.call("datastore_search_sql", {"sql": sql})

    def _send(
        self, action: str, params: dict, method: str
    ) -> tuple[requests.Response, str, dict | None]:
        """Send the request, retrying on 429, 5xx, timeouts and connection failures."""
        if method == "GET":
            url = self.url_for(action, **params)
            body = None
        elif method == "POST":
            url = self.base_url + action
            body = params
        else:
            raise ValueError(f"Unsupported method {method!r}: use 'GET' or 'POST'.")

        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(
                    method, url, json=body, timeout=self.timeout
                )
            except requests.Timeout as error:
                if attempt == self.retries:
                    raise _timeout_error(
                        action, url, self.base_url, self.timeout, error
                    ) from error
                delay = self._delay(attempt, None)
                reason = f"timed out ({error.__class__.__name__})"
            except requests.ConnectionError as error:
                if attempt == self.retries:
                    raise _unreachable_error(
                        action, url, self.base_url, error
                    ) from error
                delay = self._delay(attempt, None)
                reason = f"connection failed ({error.__class__.__name__})"
            else:
                if (
                    response.status_code not in RETRY_STATUSES
                    or attempt == self.retries
                ):
                    return response, url, body
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                reason = f"HTTP {response.status_code}"
                response.close()
            logger.warning(
                "%s %s: %s; retry %d of %d in %.1f s",
                action,
                url,
                reason,
                attempt + 1,
                self.retries,
                delay,
            )
            time.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Return the wait before the next attempt, honouring ``Retry-After``."""
        requested = parse_retry_after(retry_after)
        if requested is None:
            requested = self.backoff * 2**attempt
        return max(0.0, min(requested, self.max_retry_after))


def encode_params(params: dict) -> dict[str, str]:
    """Write action parameters as CKAN reads them from a query string.

    Dicts (``filters``, a per-column ``q``) and lists (``facet.field``) become
    JSON; ``fields`` and ``sort`` lists become comma-separated text; booleans
    become ``true`` / ``false``; ``None`` values are dropped.
    """
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key in ("facet_field", "facet_limit", "facet_mincount"):
            key = key.replace("_", ".")
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple)) and key in COMMA_LIST_PARAMETERS:
            encoded[key] = ",".join(str(item) for item in value)
        elif isinstance(value, (dict, list, tuple)):
            encoded[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            encoded[key] = str(value)
    return encoded


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for, or None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def records_dataframe(records: list, fields: list[dict]) -> pd.DataFrame:
    """Build a DataFrame from datastore records, typing columns by CKAN type."""
    names = [item["id"] for item in fields]
    if records and isinstance(records[0], list):
        frame = pd.DataFrame(records, columns=names)
    else:
        frame = pd.DataFrame.from_records(records, columns=names)
    for item in fields:
        name, ckan_type = item["id"], str(item.get("type", "text")).lower()
        if ckan_type in INTEGER_TYPES:
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
        elif ckan_type in FLOAT_TYPES:
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif ckan_type in TIME_TYPES:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601")
        elif ckan_type == "bool":
            frame[name] = frame[name].astype("boolean")
    return frame


def packages_dataframe(packages: list[dict]) -> pd.DataFrame:
    """Return one row per package: id, name, title, organization, licence, resources."""
    rows = [
        {
            "id": package.get("id"),
            "name": package.get("name"),
            "title": package.get("title"),
            "organization": (package.get("organization") or {}).get("name"),
            "license_id": package.get("license_id"),
            "update_frequency": package.get("update_frequency"),
            "num_resources": package.get("num_resources"),
            "formats": sorted(
                {r.get("format", "") for r in package.get("resources", [])}
            ),
            "metadata_modified": package.get("metadata_modified"),
        }
        for package in packages
    ]
    return pd.DataFrame(rows)


_RESULT_CLASSES: dict[str, type[ActionResult]] = {
    "package_search": PackageSearchResult,
    "package_show": PackageResult,
    "datastore_search": DatastoreResult,
    "datastore_search_sql": DatastoreResult,
}


def _decode(response: requests.Response, action: str, url: str, base_url: str) -> dict:
    """Return the JSON envelope of ``response``, or raise a PortalError."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "success" in body:
        return body
    status = response.status_code
    if isinstance(body, str):
        raise _portal_error(
            BadRequestError, action, url, status, {"message": body}, body
        )
    snippet = response.text[:200].strip()
    raise PortalUnavailableError(
        fr=(
            f"Réponse inattendue de {base_url} pour {action} (HTTP {status}) : ce n'est pas "
            f"l'enveloppe JSON de CKAN. Début de la réponse : {snippet!r}. Vérifiez "
            f"{API_VARIABLE} : il doit pointer vers une API CKAN qui se termine par "
            "/api/3/action/."
        ),
        en=(
            f"Unexpected response from {base_url} for {action} (HTTP {status}): not CKAN's "
            f"JSON envelope. Start of the response: {snippet!r}. Check {API_VARIABLE}: it must "
            "point to a CKAN API ending with /api/3/action/."
        ),
        action=action,
        url=url,
        status=status,
    )


def _error_from_envelope(
    envelope: dict, status: int, action: str, url: str, base_url: str
) -> PortalError:
    error = envelope.get("error") if isinstance(envelope.get("error"), dict) else {}
    error_type = str(error.get("__type", "Internal Server Error"))
    message = error.get("message")
    if not message:
        message = "; ".join(
            f"{key}: {_join_messages(value)}"
            for key, value in error.items()
            if key not in ("__type", "info")
        )
    error_class = ERROR_CLASSES.get(error_type, PortalError)
    return _portal_error(
        error_class, action, url, status, error, str(message or error_type), error_type
    )


def _join_messages(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def _portal_error(
    error_class: type[PortalError],
    action: str,
    url: str,
    status: int,
    error: dict,
    portal_message: str,
    error_type: str = "Bad Request",
) -> PortalError:
    hint_fr, hint_en = HINTS.get(
        error_class,
        (
            "Réessayez plus tard; si l'erreur persiste, signalez-la avec l'adresse ci-dessus.",
            "Try again later; if the error persists, report it with the URL above.",
        ),
    )
    return error_class(
        fr=(
            f"Le serveur a refusé {action} (HTTP {status}, {error_type}) : "
            f"« {portal_message} ». Adresse : {url}. {hint_fr}"
        ),
        en=(
            f"The server rejected {action} (HTTP {status}, {error_type}): "
            f"'{portal_message}'. URL: {url}. {hint_en}"
        ),
        action=action,
        url=url,
        status=status,
        error=error,
        portal_message=portal_message,
    )


def _unreachable_error(
    action: str, url: str, base_url: str, error: Exception
) -> PortalError:
    return PortalUnavailableError(
        fr=(
            f"Impossible de joindre {base_url} ({action}) : {error.__class__.__name__}. "
            f"Hors ligne? Démarrez la réplique du cours avec « {REPLICA_COMMAND} » puis "
            f"définissez {API_VARIABLE}={REPLICA_API_URL}. Si {API_VARIABLE} est déjà "
            "définie, vérifiez que la réplique tourne à cette adresse."
        ),
        en=(
            f"Could not reach {base_url} ({action}): {error.__class__.__name__}. Offline? "
            f"Start the course replica with '{REPLICA_COMMAND}' and set "
            f"{API_VARIABLE}={REPLICA_API_URL}. If {API_VARIABLE} is already set, check "
            "that the replica runs at that address."
        ),
        action=action,
        url=url,
    )


def _timeout_error(
    action: str, url: str, base_url: str, timeout: object, error: Exception
) -> PortalError:
    return PortalTimeoutError(
        fr=(
            f"Délai dépassé ({timeout} s) en attendant {base_url} ({action}). Le serveur est "
            f"lent ou injoignable : réessayez, augmentez timeout, ou démarrez la réplique du "
            f"cours avec « {REPLICA_COMMAND} » et définissez {API_VARIABLE}={REPLICA_API_URL}."
        ),
        en=(
            f"Timed out ({timeout} s) waiting for {base_url} ({action}). The server is slow "
            f"or unreachable: try again, raise timeout, or start the course replica with "
            f"'{REPLICA_COMMAND}' and set {API_VARIABLE}={REPLICA_API_URL}."
        ),
        action=action,
        url=url,
    )
