"""Package, organization and licence metadata of the replica, from the registry.

The replica describes each registered file the way the portal's CKAN does:
registered files that share a portal page form one package (dataset), each
file is a resource, and each publisher is an organization. Field names and
code lists (``license_id`` such as ``cc-by``, ``update_frequency`` codes,
``language`` codes, ``resource_type``) come from the portal's CKAN metadata
schema, read at run time through :func:`widgets.fetch.fetch`.

Ids are the portal's own where the registry knows them (resource ids, and
package ids that appear in a portal URL); the others are stable UUIDs
derived from the registry ids, so they are the same on every run.

Notes
-----
The registry has no descriptions, tags or dates, so ``notes`` is empty,
``tags`` is empty and ``metadata_created`` / ``metadata_modified`` are
``None``. ``package_search`` understands a small part of Solr's syntax:
words, ``"phrases"``, ``field:value``, ``-`` for negation, ``OR`` and
``*:*``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlparse

from widgets.ckan_errors import (
    ActionNotFound,
    ActionSearchQueryError,
    ActionValidationError,
)
from widgets.fetch import fetch
from widgets.registry import Dataset, list_datasets

logger = logging.getLogger(__name__)

SCHEMA_DATASET_ID = "schema-metadonnees-donnees-quebec"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://www.donneesquebec.ca/recherche/")
UUID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
DEFAULT_LANGUAGE_CODE = "FR"
# Title the portal shows for its default licence on dataset and resource
# pages; other licences fall back to the schema's label.
PORTAL_LICENSE_TITLES = {"cc-by": "Attribution (CC-BY 4.0)"}
OPEN_LICENSES = frozenset({"cc-by", "cc-by-sa", "cc-by-nc", "OGL-Canada-2.0"})
UTF8_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "utf8", "ascii"})
MIMETYPES = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "json": "application/json",
}

SEARCH_ROWS_DEFAULT = 10
# CKAN's ckan.search.rows_max default.
SEARCH_ROWS_MAX = 1000
FACET_LIMIT_DEFAULT = 50
SEARCH_PARAMETERS = frozenset(
    {
        "q",
        "fq",
        "fq_list",
        "rows",
        "start",
        "sort",
        "facet",
        "facet.field",
        "facet.limit",
        "facet.mincount",
        "include_private",
        "include_drafts",
        "include_deleted",
        "use_default_schema",
    }
)
# Package fields package_search can filter on, with how to read them.
TEXT_FIELDS = ("name", "title", "notes", "text")
SORT_FIELDS = {
    "name": "name",
    "title_string": "title",
    "title": "title",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "num_resources": "num_resources",
    "score": None,
}


def resource_id_for(dataset: Dataset) -> str:
    """Return the resource id of ``dataset``: the portal's, or a stable generated one."""
    if dataset.resource_id:
        return dataset.resource_id
    return str(uuid.uuid5(ID_NAMESPACE, f"resource:{dataset.id}"))


@dataclass(frozen=True)
class Schema:
    """Code lists of the portal's CKAN metadata schema."""

    licenses: dict[str, str]
    update_frequencies: dict[str, dict]
    languages: dict[str, dict]
    resource_types: dict[str, dict]

    @classmethod
    def from_json(cls, document: dict) -> Schema:
        """Read the code lists from a ckanext-scheming schema document."""
        dataset_fields = {
            item["field_name"]: item for item in document["dataset_fields"]
        }
        resource_fields = {
            item["field_name"]: item for item in document["resource_fields"]
        }

        def choices(fields: dict, name: str) -> dict:
            return {
                choice["value"]: choice["label"]
                for choice in fields.get(name, {}).get("choices", [])
                if choice.get("value")
            }

        licenses = {
            value: (label["en"] if isinstance(label, dict) else label)
            for value, label in choices(dataset_fields, "license_id").items()
        }
        return cls(
            licenses=licenses,
            update_frequencies=choices(dataset_fields, "update_frequency"),
            languages=choices(dataset_fields, "language"),
            resource_types=choices(resource_fields, "resource_type"),
        )


@functools.cache
def load_schema() -> Schema:
    """Fetch and read the portal's metadata schema (once per process)."""
    with fetch(SCHEMA_DATASET_ID).open(encoding="utf-8") as stream:
        return Schema.from_json(json.load(stream))


class Catalog:
    """The replica's packages, organizations and licences, with CKAN's read actions."""

    def __init__(
        self, datasets: Iterable[Dataset], schema: Schema, datastore_ids: set[str]
    ) -> None:
        self.schema = schema
        data = [d for d in datasets if d.kind == "data"]
        self.organizations = _build_organizations(data)
        self.licenses = _build_licenses(schema, data)
        self.packages = _build_packages(data, schema, self.organizations, datastore_ids)
        self._by_id = {p["id"]: p for p in self.packages} | {
            p["name"]: p for p in self.packages
        }

    @classmethod
    def from_registry(cls, datastore_ids: set[str]) -> Catalog:
        """Build the catalog of every registered data file."""
        return cls(list_datasets(), load_schema(), datastore_ids)

    def package_list(self, params: dict) -> list[str]:
        """CKAN ``package_list``: the names of all packages, sorted."""
        names = sorted(package["name"] for package in self.packages)
        offset = _integer(params.get("offset", 0), "offset")
        limit = params.get("limit")
        if limit is None:
            return names[offset:]
        return names[offset : offset + _integer(limit, "limit")]

    def package_show(self, params: dict) -> dict:
        """CKAN ``package_show``: one package by id or name."""
        key = params.get("id") or params.get("name_or_id")
        if not key:
            raise ActionValidationError({"name_or_id": ["Missing value"]})
        package = self._by_id.get(str(key))
        if package is None:
            raise ActionNotFound()
        return package

    def organization_list(self, params: dict) -> list:
        """CKAN ``organization_list``: names, or dicts with ``all_fields``."""
        organizations = sorted(self.organizations.values(), key=lambda org: org["name"])
        sort = str(params.get("sort", "name asc")).strip().lower()
        if sort.startswith("title"):
            organizations.sort(key=lambda org: _fold(org["title"]))
        elif sort.startswith("package_count"):
            organizations.sort(key=lambda org: org["package_count"])
        if sort.endswith("desc"):
            organizations.reverse()
        offset = _integer(params.get("offset", 0), "offset")
        limit = params.get("limit")
        end = None if limit is None else offset + _integer(limit, "limit")
        organizations = organizations[offset:end]
        if _boolean(params.get("all_fields", False)):
            return [dict(org) for org in organizations]
        return [org["name"] for org in organizations]

    def organization_show(self, params: dict) -> dict:
        """CKAN ``organization_show``: one organization, with its packages on request."""
        key = params.get("id")
        if not key:
            raise ActionValidationError({"id": ["Missing value"]})
        for org in self.organizations.values():
            if key in (org["id"], org["name"]):
                organization = dict(org)
                if _boolean(params.get("include_datasets", False)):
                    organization["packages"] = [
                        p for p in self.packages if p["owner_org"] == org["id"]
                    ]
                return organization
        raise ActionNotFound()

    def license_list(self, params: dict) -> list[dict]:
        """CKAN ``license_list``: the licences a package may use."""
        return [dict(item) for item in self.licenses]

    def package_search(self, params: dict) -> dict:
        """CKAN ``package_search`` over the replica's packages."""
        unexpected = sorted(set(params) - SEARCH_PARAMETERS)
        if unexpected:
            raise ActionValidationError(
                {"__junk": [f"The input field {unexpected[0]} was not expected."]}
            )
        rows = min(
            _integer(params.get("rows", SEARCH_ROWS_DEFAULT), "rows"), SEARCH_ROWS_MAX
        )
        start = _integer(params.get("start", 0), "start")

        queries = [str(params.get("q") or "*:*"), str(params.get("fq") or "")]
        fq_list = params.get("fq_list") or []
        if not isinstance(fq_list, list):
            fq_list = [fq_list]
        queries.extend(str(item) for item in fq_list)
        matches = []
        for package in self.packages:
            score = _match_all(package, queries)
            if score is not None:
                matches.append((package, score))

        sort = str(params.get("sort") or "score desc, metadata_modified desc")
        found = [package for package, _ in _sort_matches(matches, sort)]
        facets = _facets(
            found,
            _facet_fields(params.get("facet.field")),
            limit=_integer(
                params.get("facet.limit", FACET_LIMIT_DEFAULT), "facet.limit"
            ),
            mincount=_integer(params.get("facet.mincount", 1), "facet.mincount"),
        )
        counts = {
            name: {item["name"]: item["count"] for item in items}
            for name, items in facets.items()
        }
        return {
            "count": len(found),
            "facets": counts,
            "results": found[start : start + rows],
            "sort": sort,
            "search_facets": {
                name: {"title": name, "items": items} for name, items in facets.items()
            },
        }


def _build_organizations(datasets: list[Dataset]) -> dict[str, dict]:
    organizations: dict[str, dict] = {}
    for dataset in datasets:
        name = dataset.organization
        if name in organizations:
            continue
        organizations[name] = {
            "id": str(uuid.uuid5(ID_NAMESPACE, f"organization:{name}")),
            "name": name,
            "title": dataset.publisher,
            "display_name": dataset.publisher,
            "description": "",
            "image_url": "",
            "image_display_url": "",
            "type": "organization",
            "is_organization": True,
            "approval_status": "approved",
            "state": "active",
            "created": None,
            "num_followers": 0,
            "package_count": 0,
        }
    return organizations


def _build_licenses(schema: Schema, datasets: list[Dataset]) -> list[dict]:
    urls = {dataset.licence_id: dataset.licence_url for dataset in datasets}
    licenses = []
    for license_id, label in schema.licenses.items():
        is_open = license_id in OPEN_LICENSES
        licenses.append(
            {
                "id": license_id,
                "title": PORTAL_LICENSE_TITLES.get(license_id, label),
                "url": urls.get(license_id, ""),
                "status": "active",
                "maintainer": "",
                "family": "",
                "domain_content": False,
                "domain_data": True,
                "domain_software": False,
                "is_generic": False,
                "is_okd_compliant": is_open,
                "is_osi_compliant": False,
                "od_conformance": "approved" if is_open else "not reviewed",
                "osd_conformance": "not reviewed",
            }
        )
    return licenses


def _build_packages(
    datasets: list[Dataset],
    schema: Schema,
    organizations: dict[str, dict],
    datastore_ids: set[str],
) -> list[dict]:
    groups: dict[str, list[Dataset]] = {}
    for dataset in datasets:
        groups.setdefault(_package_key(dataset), []).append(dataset)
    licenses = {item: label for item, label in schema.licenses.items()}

    packages = []
    for key, members in groups.items():
        first = members[0]
        package_id, name = _package_identity(key, first)
        organization = organizations[first.organization]
        organization["package_count"] += 1
        _check_codes(first, schema)
        resources = [
            _resource(dataset, package_id, position, datastore_ids)
            for position, dataset in enumerate(members)
        ]
        package = {
            "id": package_id,
            "name": name,
            "title": _package_title(members),
            "notes": "",
            "type": "dataset",
            "state": "active",
            "private": False,
            "author": first.publisher,
            "author_email": "",
            "maintainer": "",
            "maintainer_email": "",
            "license_id": first.licence_id,
            "license_title": PORTAL_LICENSE_TITLES.get(
                first.licence_id, licenses.get(first.licence_id, first.licence_id)
            ),
            "license_url": first.licence_url,
            "isopen": first.licence_id in OPEN_LICENSES,
            "url": first.portal_url,
            "version": None,
            "update_frequency": first.update_frequency or "",
            "language": DEFAULT_LANGUAGE_CODE,
            "metadata_created": None,
            "metadata_modified": None,
            "creator_user_id": None,
            "owner_org": organization["id"],
            "organization": {
                k: organization[k]
                for k in (
                    "id",
                    "name",
                    "title",
                    "type",
                    "description",
                    "image_url",
                    "created",
                    "is_organization",
                    "approval_status",
                    "state",
                )
            },
            "num_resources": len(resources),
            "resources": resources,
            "num_tags": 0,
            "tags": [],
            "groups": [],
            "extras": [],
            "relationships_as_object": [],
            "relationships_as_subject": [],
        }
        packages.append(package)
    return packages


def _package_key(dataset: Dataset) -> str:
    """Return the portal's package name or id for ``dataset``, or its registry id."""
    parts = [part for part in urlparse(dataset.portal_url).path.split("/") if part]
    if "dataset" in parts:
        index = parts.index("dataset")
        if index + 1 < len(parts):
            return parts[index + 1]
    return dataset.id


def _package_identity(key: str, first: Dataset) -> tuple[str, str]:
    """Return (id, name) of a package from its portal key."""
    if UUID_PATTERN.match(key):
        return key, first.id
    return str(uuid.uuid5(ID_NAMESPACE, f"package:{key}")), key


def _package_title(members: list[Dataset]) -> str:
    """Title of a package: the common part before " : " of its files' titles."""
    heads = {dataset.title_fr.split(" : ")[0] for dataset in members}
    if len(members) > 1 and len(heads) == 1:
        return heads.pop()
    return members[0].title_fr


def _resource(
    dataset: Dataset, package_id: str, position: int, datastore_ids: set[str]
) -> dict:
    resource_id = resource_id_for(dataset)
    is_csv = dataset.is_tabular
    is_utf8 = dataset.encoding.lower() in UTF8_ENCODINGS
    title = dataset.title_fr
    name = title.split(" : ", 1)[1] if " : " in title else title
    comma_separated = "n/a"
    if is_csv:
        comma_separated = "oui" if dataset.delimiter == "," else "non"
    return {
        "id": resource_id,
        "package_id": package_id,
        "name": name,
        "description": "",
        "format": dataset.format,
        "mimetype": MIMETYPES.get(dataset.format.lower()),
        "url": dataset.download_url,
        "url_type": None,
        "size": dataset.size,
        "hash": dataset.sha256,
        "position": position,
        "state": "active",
        "created": None,
        "last_modified": None,
        "metadata_modified": None,
        "datastore_active": resource_id in datastore_ids,
        "resource_type": "donnees",
        "relidi_confic_utf8": "oui" if is_utf8 else "non",
        "relidi_confic_separateur_virgule": comma_separated,
    }


def _check_codes(dataset: Dataset, schema: Schema) -> None:
    if dataset.licence_id not in schema.licenses:
        logger.warning(
            "Dataset %s: license_id %r is not in the portal schema %s",
            dataset.id,
            dataset.licence_id,
            sorted(schema.licenses),
        )
    frequency = dataset.update_frequency
    if frequency and frequency not in schema.update_frequencies:
        logger.warning(
            "Dataset %s: update_frequency %r is not in the portal schema",
            dataset.id,
            frequency,
        )


def _fold(text: object) -> str:
    """Lower-case ``text`` and strip its accents, for matching."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _field_values(package: dict, field: str) -> list[str]:
    """Return the values a package has for a Solr field name."""
    resources = package["resources"]
    values = {
        "id": [package["id"]],
        "name": [package["name"]],
        "title": [package["title"]],
        "notes": [package["notes"]],
        "organization": [package["organization"]["name"]],
        "owner_org": [package["owner_org"]],
        "license_id": [package["license_id"]],
        "update_frequency": [package["update_frequency"]],
        "language": [package["language"]],
        "tags": [tag["name"] for tag in package["tags"]],
        "groups": [group["name"] for group in package["groups"]],
        "res_format": [resource["format"] for resource in resources],
        "res_name": [resource["name"] for resource in resources],
        "res_url": [resource["url"] for resource in resources],
        "res_type": [resource["resource_type"] for resource in resources],
        "type": [package["type"]],
        "state": [package["state"]],
    }
    if field == "text":
        return [
            package["name"],
            package["title"],
            package["notes"],
            package["organization"]["title"],
            package["organization"]["name"],
            *values["res_name"],
            *values["res_format"],
            *values["tags"],
        ]
    return values.get(field, [])


TOKEN = re.compile(r'-?(?:[\w.]+:)?(?:"[^"]*"|\S+)')


def _match_all(package: dict, queries: list[str]) -> int | None:
    """Return a score when ``package`` matches every query string, else None."""
    score = 0
    for query in queries:
        result = _match_query(package, query)
        if result is None:
            return None
        score += result
    return score


def _match_query(package: dict, query: str) -> int | None:
    """Match one Solr-like query; clauses are ANDed unless joined by ``OR``."""
    query = query.strip()
    if not query or query == "*:*":
        return 0
    if query.count('"') % 2:
        raise ActionSearchQueryError(f"unbalanced quotes in {query!r}")

    groups: list[list[str]] = []
    after_or = False
    for token in TOKEN.findall(query):
        if token == "AND":
            continue
        if token == "OR":
            after_or = bool(groups)
            continue
        if after_or:
            groups[-1].append(token)
        else:
            groups.append([token])
        after_or = False

    score = 0
    for group in groups:
        scores = [
            hits
            for token in group
            if (hits := _match_clause(package, token)) is not None
        ]
        if not scores:
            return None
        score += max(scores)
    return score


def _match_clause(package: dict, token: str) -> int | None:
    """Match one clause: ``word``, ``"phrase"``, ``field:value``, with ``-`` to negate."""
    negate = token.startswith("-") and len(token) > 1
    if negate:
        token = token[1:]
    field, value = "text", token
    match = re.match(r"^([\w.]+):(.*)$", token)
    if match and not token.startswith('"'):
        field, value = match.group(1), match.group(2)
    value = value.strip('"')

    values = _field_values(package, field)
    if field == "*" and value == "*":
        hits = 1
    elif value == "*":
        hits = sum(1 for item in values if item)
    elif field in TEXT_FIELDS:
        needle = _fold(value)
        hits = sum(_fold(item).count(needle) for item in values if needle)
    else:
        hits = sum(1 for item in values if item == value)
    if negate:
        return 0 if hits == 0 else None
    return hits if hits > 0 else None


def _sort_matches(matches: list[tuple[dict, int]], sort: str) -> list[tuple[dict, int]]:
    clauses = [clause.strip() for clause in sort.split(",") if clause.strip()]
    ordered = sorted(matches, key=lambda item: item[0]["name"])
    for clause in reversed(clauses):
        parts = clause.split()
        field = parts[0]
        direction = parts[1].lower() if len(parts) > 1 else "asc"
        if field not in SORT_FIELDS or direction not in ("asc", "desc"):
            raise ActionSearchQueryError(f"Can not sort on {clause!r}")
        key_name = SORT_FIELDS[field]
        reverse = direction == "desc"
        if key_name is None:
            ordered.sort(key=lambda item: item[1], reverse=reverse)
        else:
            ordered.sort(
                key=lambda item: _sort_key(item[0].get(key_name)), reverse=reverse
            )
    return ordered


def _sort_key(value: object) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)):
        return (1, value)
    return (1, _fold(value))


def _facet_fields(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ActionValidationError({"facet.field": ["Not a JSON list"]}) from error
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ActionValidationError({"facet.field": ["Not a JSON list of strings"]})
    return value


def _facets(
    packages: list[dict], fields: list[str], *, limit: int, mincount: int
) -> dict:
    facets = {}
    for field in fields:
        counts: Counter[str] = Counter()
        for package in packages:
            counts.update({value for value in _field_values(package, field) if value})
        items = [
            {
                "name": value,
                "display_name": _display_name(packages, field, value),
                "count": count,
            }
            for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if count >= mincount
        ]
        facets[field] = items[:limit] if limit >= 0 else items
    return facets


def _display_name(packages: list[dict], field: str, value: str) -> str:
    if field == "organization":
        for package in packages:
            if package["organization"]["name"] == value:
                return package["organization"]["title"]
    if field == "license_id":
        for package in packages:
            if package["license_id"] == value:
                return package["license_title"]
    return value


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ActionValidationError({name: ["Invalid integer"]})
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ActionValidationError({name: ["Invalid integer"]}) from error
    if number < 0:
        raise ActionValidationError({name: ["Must be a natural number"]})
    return number


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "t", "y", "1")
