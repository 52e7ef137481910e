"""Build CKAN API requests from form values, show them as URL, curl and Python.

The API query builder app keeps the parameters of the learner as text;
:func:`build_params` turns them into typed values (integers, JSON objects,
booleans). :func:`request_url` is the exact GET URL that
:class:`~widgets.portal.PortalClient` sends, :func:`curl_command` and
:func:`python_code` write the same request for a terminal and for a
script, and :func:`paging` reads where a result stands among all pages
(``total`` rows of ``datastore_search``, ``count`` packages of
``package_search``).
"""

from __future__ import annotations

import json
import logging
import math
import shlex
from dataclasses import dataclass

import pandas as pd

from widgets.errors import CourseError
from widgets.i18n import pick
from widgets.portal import (
    ActionResult,
    PortalClient,
    encode_params,
    packages_dataframe,
    records_dataframe,
)

logger = logging.getLogger(__name__)

# The municipal directory has the same resource id on the portal and in the
# replica, so the default request works online and offline.
EXAMPLE_RESOURCE_ID = "19385b4e-5503-4330-9e59-f998f5918363"
EXAMPLE_PACKAGE = "repertoire-des-municipalites-du-quebec"
MAX_JSON_CHARACTERS = 20_000
REQUEST_TIMEOUT_SECONDS = 30


class ParameterError(CourseError, ValueError):
    """A parameter value that cannot be sent."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of an action.

    ``kind`` is ``"text"``, ``"integer"``, ``"json"`` (an object or a list)
    or ``"boolean"``. ``default`` is the text the form starts with.
    """

    name: str
    kind: str
    help_fr: str
    help_en: str
    default: str = ""
    required: bool = False

    def help(self, language: str | None = None) -> str:
        """Return the help text in ``language``."""
        return pick(self.help_fr, self.help_en, language)


@dataclass(frozen=True)
class Action:
    """One CKAN action the builder offers, with its paging parameters if it pages."""

    name: str
    help_fr: str
    help_en: str
    parameters: tuple[Parameter, ...]
    limit_parameter: str | None = None
    offset_parameter: str | None = None
    default_limit: int | None = None

    def help(self, language: str | None = None) -> str:
        """Return what the action does, in ``language``."""
        return pick(self.help_fr, self.help_en, language)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "package_search",
            "Chercher des jeux de données (syntaxe Solr).",
            "Search datasets (Solr syntax).",
            (
                Parameter("q", "text", "Mots à chercher", "Words to find"),
                Parameter(
                    "fq",
                    "text",
                    "Filtre, p. ex. organization:ville-de-montreal",
                    "Filter, e.g. organization:ville-de-montreal",
                ),
                Parameter(
                    "rows", "integer", "Résultats par page", "Results per page", "3"
                ),
                Parameter(
                    "start",
                    "integer",
                    "Premier résultat (0 = début)",
                    "First result (0 = start)",
                    "0",
                ),
                Parameter(
                    "sort", "text", "Tri, p. ex. title asc", "Sort, e.g. title asc"
                ),
            ),
            limit_parameter="rows",
            offset_parameter="start",
            default_limit=10,
        ),
        Action(
            "package_show",
            "Métadonnées d'un jeu de données et de ses ressources.",
            "Metadata of one dataset and its resources.",
            (
                Parameter(
                    "id",
                    "text",
                    "Nom ou identifiant du jeu de données",
                    "Dataset name or id",
                    EXAMPLE_PACKAGE,
                    required=True,
                ),
            ),
        ),
        Action(
            "package_list",
            "Noms de tous les jeux de données.",
            "Names of every dataset.",
            (),
        ),
        Action(
            "organization_list",
            "Organisations qui publient.",
            "Publishing organizations.",
            (
                Parameter(
                    "all_fields",
                    "boolean",
                    "true pour les fiches complètes",
                    "true for the full records",
                    "false",
                ),
            ),
        ),
        Action(
            "license_list",
            "Licences offertes par le portail.",
            "Licences the portal offers.",
            (),
        ),
        Action(
            "datastore_search",
            "Lignes d'une ressource du datastore.",
            "Rows of a datastore resource.",
            (
                Parameter(
                    "resource_id",
                    "text",
                    "Identifiant de la ressource",
                    "Resource id",
                    EXAMPLE_RESOURCE_ID,
                    required=True,
                ),
                Parameter(
                    "q",
                    "text",
                    "Texte à chercher dans toutes les colonnes",
                    "Text to find in any column",
                ),
                Parameter(
                    "filters",
                    "json",
                    'Égalités exactes en JSON, p. ex. {"regadm": "Estrie (05)"}',
                    'Exact matches as JSON, e.g. {"regadm": "Estrie (05)"}',
                    '{"regadm": "Estrie (05)"}',
                ),
                Parameter(
                    "fields",
                    "text",
                    "Colonnes à garder, séparées par des virgules",
                    "Columns to keep, comma-separated",
                    "munnom,mpopul",
                ),
                Parameter(
                    "sort",
                    "text",
                    "Tri, p. ex. mpopul desc",
                    "Sort, e.g. mpopul desc",
                    "mpopul desc",
                ),
                Parameter(
                    "limit",
                    "integer",
                    "Lignes par page (100 par défaut)",
                    "Rows per page (100 by default)",
                    "5",
                ),
                Parameter(
                    "offset",
                    "integer",
                    "Première ligne (0 = début)",
                    "First row (0 = start)",
                    "0",
                ),
            ),
            limit_parameter="limit",
            offset_parameter="offset",
            default_limit=100,
        ),
        Action(
            "datastore_search_sql",
            "Une requête SQL SELECT en lecture seule.",
            "One read-only SQL SELECT query.",
            (
                Parameter(
                    "sql",
                    "text",
                    "Requête; la table est l'identifiant de ressource entre guillemets",
                    "Query; the table is the resource id in double quotes",
                    f'SELECT regadm, COUNT(*) AS n FROM "{EXAMPLE_RESOURCE_ID}" '
                    "GROUP BY regadm ORDER BY n DESC LIMIT 5",
                    required=True,
                ),
            ),
        ),
    )
}


@dataclass(frozen=True)
class Paging:
    """Where a result stands: ``page`` of ``pages`` over ``total`` items."""

    total: int
    limit: int
    offset: int

    @property
    def page(self) -> int:
        """The current page, from 1."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.limit))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.offset + self.limit < self.total


def get_action(name: str) -> Action:
    """Return the action called ``name``.

    Raises
    ------
    ParameterError
        If the builder does not offer this action.
    """
    if name not in ACTIONS:
        raise ParameterError(
            fr=f"Action inconnue : {name!r}. Choix : {', '.join(ACTIONS)}.",
            en=f"Unknown action: {name!r}. Choices: {', '.join(ACTIONS)}.",
        )
    return ACTIONS[name]


def default_values(action_name: str) -> dict[str, str]:
    """Return the form's starting text for each parameter of the action."""
    return {p.name: p.default for p in get_action(action_name).parameters}


def build_params(action_name: str, values: dict[str, str]) -> dict:
    """Turn the form's text values into the action's parameters.

    Empty values are left out. Integers must be whole numbers of 0 or more,
    JSON values objects or lists, booleans ``true`` or ``false``.

    Raises
    ------
    ParameterError
        Naming the parameter and the value that cannot be read.
    """
    action = get_action(action_name)
    params: dict[str, object] = {}
    for parameter in action.parameters:
        text = str(values.get(parameter.name, "") or "").strip()
        if not text:
            if parameter.required:
                raise ParameterError(
                    fr=f"Le paramètre « {parameter.name} » est obligatoire pour "
                    f"{action.name} : {parameter.help_fr}.",
                    en=f"The parameter '{parameter.name}' is required by "
                    f"{action.name}: {parameter.help_en}.",
                )
            continue
        params[parameter.name] = _convert(parameter, text)
    return params


def request_url(client: PortalClient, action_name: str, params: dict) -> str:
    """Return the exact GET URL the client sends for this request."""
    return client.url_for(action_name, **params)


def curl_command(url: str) -> str:
    """Return a curl command that sends the GET request ``url``."""
    return f"curl -sS {shlex.quote(url)}"


def python_code(
    client: PortalClient, action_name: str, params: dict, language: str | None = None
) -> str:
    """Return a Python script (requests and pandas) that sends the same request.

    The script builds the URL from the action base URL and the parameters
    as text, so ``response.url`` equals :func:`request_url`; it leaves the
    portal's ``result`` in ``result`` and a table in ``table``.
    """
    encoded = encode_params(params)
    lines = [
        "import pandas as pd",
        "import requests",
        "",
        f"url = {str(client.base_url) + action_name!r}",
    ]
    if encoded:
        lines.append("params = {")
        lines.extend(f"    {name!r}: {value!r}," for name, value in encoded.items())
        lines.append("}")
    else:
        lines.append("params = {}")
    lines += [
        f"response = requests.get(url, params=params, timeout={REQUEST_TIMEOUT_SECONDS})",
        pick(
            "body = response.json()  # enveloppe CKAN : help, success, result",
            "body = response.json()  # CKAN envelope: help, success, result",
            language,
        ),
        'if not body["success"]:',
        '    raise RuntimeError(body["error"])',
        'result = body["result"]',
        *_table_lines(action_name),
    ]
    return "\n".join(lines) + "\n"


def run(client: PortalClient, action_name: str, params: dict) -> ActionResult:
    """Send the request and return the result (with ``.url``).

    Raises
    ------
    widgets.portal.PortalError
        With the portal's message when the action fails.
    """
    get_action(action_name)
    return client.call(action_name, params)


def result_table(action_name: str, result: object) -> pd.DataFrame:
    """Return the result as a table for the page.

    Datastore columns are typed by their CKAN type, and ``package_search``
    keeps the main fields of each package, so this table can differ in
    types and columns from the plain ``table`` of :func:`python_code`.
    """
    if action_name == "package_search":
        return packages_dataframe(list(result.get("results", [])))
    if action_name in ("datastore_search", "datastore_search_sql"):
        return records_dataframe(
            list(result.get("records", [])), list(result.get("fields", []))
        )
    if action_name == "package_show":
        return pd.DataFrame(result.get("resources", []))
    if isinstance(result, list):
        if all(isinstance(item, dict) for item in result):
            return pd.DataFrame(result)
        return pd.DataFrame({"value": result})
    if isinstance(result, dict):
        return pd.json_normalize(result, max_level=0)
    return pd.DataFrame({"value": [result]})


def result_json(
    result: object, max_characters: int = MAX_JSON_CHARACTERS
) -> tuple[str, bool]:
    """Return the result as indented JSON, cut at ``max_characters``, and whether it was cut."""
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if len(text) <= max_characters:
        return text, False
    return text[:max_characters], True


def paging(action_name: str, params: dict, result: object) -> Paging | None:
    """Return the paging of a result, or None for an action that does not page."""
    action = get_action(action_name)
    if action.limit_parameter is None or not isinstance(result, dict):
        return None
    total = result.get("total", result.get("count"))
    if total is None:
        return None
    limit = int(params.get(action.limit_parameter) or action.default_limit or 1)
    offset = int(params.get(action.offset_parameter) or 0)
    return Paging(total=int(total), limit=max(limit, 1), offset=offset)


def turn_page(action_name: str, params: dict, step: int, page: Paging) -> dict:
    """Return ``params`` moved ``step`` pages forward (or back), within the pages."""
    action = get_action(action_name)
    target = min(max(page.page + step, 1), page.pages)
    moved = dict(params)
    moved[action.offset_parameter] = (target - 1) * page.limit
    moved.setdefault(action.limit_parameter, page.limit)
    return moved


def _convert(parameter: Parameter, text: str) -> object:
    if parameter.kind == "integer":
        if not text.isdigit():
            raise ParameterError(
                fr=f"« {parameter.name} » doit être un nombre entier de 0 ou plus, "
                f"pas {text!r}.",
                en=f"'{parameter.name}' must be a whole number of 0 or more, not {text!r}.",
            )
        return int(text)
    if parameter.kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise ParameterError(
                fr=f"« {parameter.name} » vaut true ou false, pas {text!r}.",
                en=f"'{parameter.name}' is true or false, not {text!r}.",
            )
        return text.lower() == "true"
    if parameter.kind == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ParameterError(
                fr=f"« {parameter.name} » n'est pas du JSON valide ({error.msg}, "
                f"colonne {error.colno}) : {text!r}. Exemple : {parameter.default}",
                en=f"'{parameter.name}' is not valid JSON ({error.msg}, column "
                f"{error.colno}): {text!r}. Example: {parameter.default}",
            ) from error
        if not isinstance(value, (dict, list)):
            raise ParameterError(
                fr=f"« {parameter.name} » doit être un objet JSON {{...}}, pas {text!r}.",
                en=f"'{parameter.name}' must be a JSON object {{...}}, not {text!r}.",
            )
        return value
    return text


def _table_lines(action_name: str) -> list[str]:
    if action_name == "package_search":
        return ['table = pd.json_normalize(result["results"], max_level=0)']
    if action_name in ("datastore_search", "datastore_search_sql"):
        return ['table = pd.DataFrame(result["records"])']
    if action_name == "package_show":
        return ['table = pd.DataFrame(result["resources"])']
    if action_name in ("package_list", "organization_list", "license_list"):
        return ["table = pd.DataFrame(result)"]
    return ["table = pd.json_normalize(result, max_level=0)"]
