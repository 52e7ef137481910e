"""Search the portal's catalogue and describe what it finds, for the catalogue explorer.

:func:`search_catalogue` turns keywords and filters (organization, format,
licence) into one ``package_search`` call and returns a page of packages;
:func:`results_table` lists them with their title, publisher, licence,
declared update frequency and last update; :func:`metadata_rows`,
:func:`resources_table` and :func:`preview_resource` describe one package
and show the first rows of a resource, through ``datastore_search`` when
the resource is in the datastore, else through the registered file.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field

import pandas as pd

from widgets.apps.tables import load_table
from widgets.ckan_catalog import load_schema, resource_id_for
from widgets.errors import CourseError
from widgets.i18n import check_language, pick
from widgets.portal import PackageSearchResult, PortalClient
from widgets.registry import get_dataset, list_datasets

logger = logging.getLogger(__name__)

FACET_FIELDS = ("organization", "res_format", "license_id")
DEFAULT_ROWS = 10
MAX_ROWS = 100
PREVIEW_ROWS = 10
# Enough values for every organization of the portal (about 150 in 2026).
FACET_LIMIT = 500
UNKNOWN = ("non précisée", "not stated")


class PreviewUnavailableError(CourseError):
    """A resource whose rows cannot be shown in the page."""


@dataclass(frozen=True)
class CatalogueFilters:
    """The learner's keywords and filters; empty values do not filter."""

    keywords: str = ""
    organization: str | None = None
    res_format: str | None = None
    license_id: str | None = None


@dataclass
class CataloguePage:
    """One page of search results, with what produced it."""

    count: int
    page: int
    rows: int
    packages: list[dict]
    facets: dict[str, list[dict]]
    url: str

    @property
    def pages(self) -> int:
        """Number of pages for ``count`` matches (at least 1)."""
        return max(1, math.ceil(self.count / self.rows))


@dataclass
class Preview:
    """The first rows of a resource and where they came from.

    ``source`` is ``"datastore"`` (``datastore_search``) or ``"file"`` (the
    registered file); ``url`` is the request or the file that gave the rows.
    """

    table: pd.DataFrame
    source: str
    url: str
    total: int | None = None
    notes: list[str] = field(default_factory=list)


def filter_query(filters: CatalogueFilters) -> str | None:
    """Return the Solr ``fq`` of the filters, such as ``organization:"mamh"``.

    Values are quoted so that formats such as ``"CSV"`` or licences with a
    dash match exactly; None when no filter is set.
    """
    clauses = []
    for name in FACET_FIELDS:
        value = getattr(filters, name)
        if value:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            clauses.append(f'{name}:"{escaped}"')
    return " AND ".join(clauses) or None


def search_params(
    filters: CatalogueFilters, page: int = 1, rows: int = DEFAULT_ROWS
) -> dict:
    """Return the ``package_search`` parameters for ``filters`` and ``page``.

    Raises
    ------
    ValueError
        If ``page`` is below 1 or ``rows`` outside 1 to ``MAX_ROWS``.
    """
    if page < 1:
        raise ValueError(f"page must be 1 or more, not {page}.")
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 1 and {MAX_ROWS}, not {rows}.")
    keywords = filters.keywords.strip()
    return {
        "q": keywords or None,
        "fq": filter_query(filters),
        "rows": rows,
        "start": (page - 1) * rows,
        "facet.field": list(FACET_FIELDS),
        "facet.limit": FACET_LIMIT,
    }


def search_catalogue(
    client: PortalClient,
    filters: CatalogueFilters,
    page: int = 1,
    rows: int = DEFAULT_ROWS,
) -> CataloguePage:
    """Run one ``package_search`` and return the page of results.

    Raises
    ------
    widgets.portal.PortalError
        If the API rejects the query or cannot be reached.
    """
    result: PackageSearchResult = client.call(
        "package_search", search_params(filters, page, rows)
    )
    search_facets = result.result.get("search_facets") or {}
    facets = {
        name: list(search_facets.get(name, {}).get("items", []))
        for name in FACET_FIELDS
    }
    logger.info("package_search %s: %d matches", result.url, result.count)
    return CataloguePage(
        count=result.count,
        page=page,
        rows=rows,
        packages=result.results,
        facets=facets,
        url=result.url,
    )


def facet_options(
    facets: dict[str, list[dict]], name: str, selected: str | None = None
) -> list[tuple[str, str]]:
    """Return ``(label, value)`` pairs of a facet, as ``"Ville de Montréal (3)"``.

    The ``selected`` value stays in the list even when the current results
    no longer contain it, so that a dropdown keeps its choice.
    """
    options = [
        (f"{item.get('display_name') or item['name']} ({item['count']})", item["name"])
        for item in facets.get(name, [])
    ]
    if selected and selected not in {value for _, value in options}:
        options.append((f"{selected} (0)", selected))
    return options


def frequency_label(code: str | None, language: str | None = None) -> str:
    """Return the declared update frequency in words, from the portal's code list."""
    if not code:
        return pick(*UNKNOWN, language)
    labels = load_schema().update_frequencies.get(code)
    if not labels:
        return code
    return labels.get(check_language(language), code)


def last_update(package: dict) -> str:
    """Return the package's last metadata update as ``YYYY-MM-DD``, or ``""``."""
    value = package.get("metadata_modified") or ""
    return str(value)[:10]


def results_table(packages: list[dict], language: str | None = None) -> pd.DataFrame:
    """Return one row per package: title, publisher, licence, frequency, last update."""
    language = check_language(language)
    headers = _headers(language)
    rows = []
    for package in packages:
        organization = package.get("organization") or {}
        rows.append(
            {
                headers["title"]: package.get("title") or package.get("name", ""),
                headers["publisher"]: organization.get("title")
                or package.get("author")
                or "",
                headers["licence"]: package.get("license_title")
                or package.get("license_id")
                or pick(*UNKNOWN, language),
                headers["frequency"]: frequency_label(
                    package.get("update_frequency"), language
                ),
                headers["updated"]: last_update(package)
                or pick("inconnue", "unknown", language),
            }
        )
    return pd.DataFrame(rows, columns=list(headers.values()))


def metadata_rows(package: dict, language: str | None = None) -> list[tuple[str, str]]:
    """Return ``(label, value)`` pairs that describe a package."""
    language = check_language(language)
    organization = package.get("organization") or {}
    tags = ", ".join(tag.get("name", "") for tag in package.get("tags", []))
    rows = [
        (pick("Titre", "Title", language), package.get("title") or ""),
        (pick("Nom (identifiant)", "Name (id)", language), package.get("name") or ""),
        (
            pick("Éditeur", "Publisher", language),
            organization.get("title") or package.get("author") or "",
        ),
        (
            pick("Licence", "Licence", language),
            package.get("license_title") or package.get("license_id") or "",
        ),
        (
            pick(
                "Fréquence de mise à jour déclarée",
                "Declared update frequency",
                language,
            ),
            frequency_label(package.get("update_frequency"), language),
        ),
        (
            pick(
                "Dernière mise à jour des métadonnées", "Last metadata update", language
            ),
            last_update(package) or pick("inconnue", "unknown", language),
        ),
        (pick("Mots-clés", "Keywords", language), tags),
        (pick("Page source", "Source page", language), package.get("url") or ""),
        (pick("Description", "Description", language), package.get("notes") or ""),
    ]
    return [(label, str(value)) for label, value in rows if value]


def resources_table(package: dict, language: str | None = None) -> pd.DataFrame:
    """Return one row per resource: name, format, in the datastore, size, URL."""
    language = check_language(language)
    rows = []
    for resource in package.get("resources", []):
        rows.append(
            {
                pick("Ressource", "Resource", language): resource.get("name")
                or resource.get("id", ""),
                "Format": resource.get("format") or "",
                "datastore": pick("oui", "yes", language)
                if resource.get("datastore_active")
                else pick("non", "no", language),
                pick("Taille (octets)", "Size (bytes)", language): resource.get("size")
                or "",
                "URL": resource.get("url") or "",
            }
        )
    return pd.DataFrame(rows)


def preview_resource(
    client: PortalClient, resource: dict, rows: int = PREVIEW_ROWS
) -> Preview:
    """Return the first ``rows`` rows of ``resource``.

    A resource in the datastore is read with ``datastore_search``; another
    one is read from the registered file with the same resource id.

    Raises
    ------
    PreviewUnavailableError
        If the resource is neither in the datastore nor registered.
    widgets.portal.PortalError
        If ``datastore_search`` fails.
    """
    resource_id = str(resource.get("id", ""))
    if resource.get("datastore_active"):
        result = client.datastore_search(resource_id, limit=rows)
        table = result.to_dataframe().drop(columns=["_id"], errors="ignore")
        return Preview(table, "datastore", result.url, total=result.total)
    dataset_id = registered_resources().get(resource_id)
    if dataset_id is not None:
        table = load_table(dataset_id)
        dataset = get_dataset(dataset_id)
        return Preview(
            table.head(rows),
            "file",
            dataset.download_url or dataset.filename,
            total=len(table),
        )
    url = resource.get("url") or ""
    name = resource.get("name") or resource_id
    raise PreviewUnavailableError(
        fr=f"Aucun aperçu pour la ressource « {name} » : elle n'est pas dans le "
        f"datastore du portail et le cours n'a pas ce fichier. Téléchargez-la : {url}",
        en=f"No preview for the resource '{name}': it is not in the portal's datastore "
        f"and the course does not have this file. Download it: {url}",
    )


@functools.cache
def registered_resources() -> dict[str, str]:
    """Return registered CSV and GeoJSON files by the resource id the replica gives them."""
    return {
        resource_id_for(dataset): dataset.id
        for dataset in list_datasets()
        if dataset.kind == "data" and (dataset.is_tabular or dataset.is_geojson)
    }


def _headers(language: str) -> dict[str, str]:
    return {
        "title": pick("Titre", "Title", language),
        "publisher": pick("Éditeur", "Publisher", language),
        "licence": pick("Licence", "Licence", language),
        "frequency": pick("Fréquence déclarée", "Declared frequency", language),
        "updated": pick("Dernière mise à jour", "Last update", language),
    }
