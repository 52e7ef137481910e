"""Checks used by the test cells of the exercise on the portal's CKAN API.

Like :mod:`widgets.grading`, each ``check_*`` function raises
:class:`widgets.grading.CheckFailed` with a French line and an English line.
The checks compare a learner's answer with what the same server returns, so
they pass against the course's replica and against the real portal alike.
"""

from __future__ import annotations

import json
import logging
import math
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from widgets.grading import CheckFailed, check_number, check_type
from widgets.portal import PortalClient, PortalError, PortalUnavailableError

logger = logging.getLogger(__name__)

MAX_SHOWN_ITEMS = 5


def url_parameters(url: str) -> dict[str, str]:
    """Return the decoded query parameters of ``url``; a repeated name keeps its last value."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def check_api_url(url: Any, base_url: str, action: str, name: str) -> None:
    """Check that ``url`` calls ``action`` on the API at ``base_url``, fully encoded.

    ``base_url`` is the action API base, ending with ``/``, as in
    :attr:`widgets.portal.PortalClient.base_url`.
    """
    check_type(url, str, name)
    expected_start = base_url + action
    if urlsplit(url)._replace(query="", fragment="").geturl() != expected_start:
        raise CheckFailed(
            fr=(
                f"`{name}` doit commencer par {expected_start!r} (le serveur interrogé, "
                f"puis le nom de l'action), suivi de « ? » et des paramètres. "
                f"Début reçu : {url[:80]!r}."
            ),
            en=(
                f"`{name}` must start with {expected_start!r} (the server queried, then "
                f"the action name), followed by '?' and the parameters. Start received: "
                f"{url[:80]!r}."
            ),
        )
    if not url.isascii() or any(character.isspace() for character in url):
        raise CheckFailed(
            fr=(
                f"`{name}` contient des espaces ou des lettres accentuées non encodés. "
                "Faites écrire l'adresse par client.url_for(...) ou par "
                "urllib.parse.urlencode : é devient %C3%A9."
            ),
            en=(
                f"`{name}` contains spaces or accented letters that are not encoded. "
                "Let client.url_for(...) or urllib.parse.urlencode write the URL: "
                "é becomes %C3%A9."
            ),
        )


def check_parameter(url: str, parameter: str, expected: str, name: str) -> None:
    """Check that the query parameter ``parameter`` of ``url`` equals ``expected``."""
    value = url_parameters(url).get(parameter)
    if value == expected:
        return
    raise CheckFailed(
        fr=f"Le paramètre `{parameter}` de `{name}` vaut {value!r}; attendu : {expected!r}.",
        en=f"Parameter `{parameter}` of `{name}` is {value!r}; expected {expected!r}.",
    )


def check_json_parameter(
    url: str, parameter: str, expected: Mapping[str, Any], name: str
) -> None:
    """Check that the JSON object in the query parameter ``parameter`` equals ``expected``.

    A value that differs only by its accents or its case gets a message
    saying so, since a filter compares exact values.
    """
    text = url_parameters(url).get(parameter)
    if text is None:
        raise CheckFailed(
            fr=f"`{name}` n'a pas de paramètre `{parameter}`.",
            en=f"`{name}` has no `{parameter}` parameter.",
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise CheckFailed(
            fr=(
                f"Le paramètre `{parameter}` de `{name}` n'est pas du JSON valide "
                f"({error.msg}) : {text[:80]!r}. Écrivez un dict Python et laissez "
                "client.url_for ou json.dumps l'écrire en JSON."
            ),
            en=(
                f"Parameter `{parameter}` of `{name}` is not valid JSON ({error.msg}): "
                f"{text[:80]!r}. Write a Python dict and let client.url_for or "
                "json.dumps turn it into JSON."
            ),
        ) from None
    if not isinstance(value, dict):
        raise CheckFailed(
            fr=f"Le paramètre `{parameter}` de `{name}` doit être un objet JSON {{...}}.",
            en=f"Parameter `{parameter}` of `{name}` must be a JSON object {{...}}.",
        )
    missing = [key for key in expected if key not in value]
    extra = [key for key in value if key not in expected]
    if missing or extra:
        raise CheckFailed(
            fr=(
                f"Les colonnes de `{parameter}` dans `{name}` ne sont pas les bonnes : "
                f"manquantes {missing}, en trop {extra}."
            ),
            en=(
                f"The columns of `{parameter}` in `{name}` are wrong: missing {missing}, "
                f"extra {extra}."
            ),
        )
    for key, wanted in expected.items():
        if value[key] == wanted:
            continue
        if isinstance(value[key], str) and _folded(value[key]) == _folded(wanted):
            raise CheckFailed(
                fr=(
                    f"`{parameter}[{key!r}]` vaut {value[key]!r} : les accents ou les "
                    "majuscules diffèrent de la valeur des données. Un filtre compare des "
                    "valeurs exactes : copiez la valeur depuis les données."
                ),
                en=(
                    f"`{parameter}[{key!r}]` is {value[key]!r}: its accents or case differ "
                    "from the value in the data. A filter compares exact values: copy the "
                    "value from the data."
                ),
            )
        raise CheckFailed(
            fr=f"`{parameter}[{key!r}]` vaut {value[key]!r}; attendu : {wanted!r}.",
            en=f"`{parameter}[{key!r}]` is {value[key]!r}; expected {wanted!r}.",
        )


def check_pages(pages: Any, page_size: int, total: int, name: str) -> None:
    """Check a list of ``datastore_search`` results read page by page up to ``total``.

    Each page must have requested ``limit=page_size``, the offsets must be
    0, ``page_size``, ``2 * page_size``… and there must be exactly as many
    pages as ``total`` needs: no page missing, none requested past the end.
    """
    check_type(pages, list, name)
    not_results = [
        index
        for index, page in enumerate(pages)
        if not (hasattr(page, "url") and hasattr(page, "records"))
    ]
    if not pages or not_results:
        raise CheckFailed(
            fr=(
                f"`{name}` doit être une liste non vide de résultats de "
                "client.datastore_search(...), une par page. Éléments qui n'en sont pas : "
                f"{not_results[:MAX_SHOWN_ITEMS]}."
            ),
            en=(
                f"`{name}` must be a non-empty list of client.datastore_search(...) "
                "results, one per page. Items that are not: "
                f"{not_results[:MAX_SHOWN_ITEMS]}."
            ),
        )
    limits = [url_parameters(page.url).get("limit") for page in pages]
    wrong_limits = [
        index for index, limit in enumerate(limits) if limit != str(page_size)
    ]
    if wrong_limits:
        raise CheckFailed(
            fr=(
                f"Les pages {wrong_limits[:MAX_SHOWN_ITEMS]} de `{name}` n'ont pas demandé "
                f"limit={page_size} (reçu : {limits[wrong_limits[0]]!r})."
            ),
            en=(
                f"Pages {wrong_limits[:MAX_SHOWN_ITEMS]} of `{name}` did not request "
                f"limit={page_size} (received {limits[wrong_limits[0]]!r})."
            ),
        )
    offsets = [int(url_parameters(page.url).get("offset", "0") or 0) for page in pages]
    expected_offsets = [index * page_size for index in range(len(pages))]
    if offsets != expected_offsets:
        raise CheckFailed(
            fr=(
                f"Les offsets des pages de `{name}` sont {offsets[:MAX_SHOWN_ITEMS]}…; "
                f"attendu : {expected_offsets[:MAX_SHOWN_ITEMS]}… Chaque page commence "
                "là où la précédente s'arrête : ajoutez limit à offset."
            ),
            en=(
                f"The page offsets of `{name}` are {offsets[:MAX_SHOWN_ITEMS]}…; expected "
                f"{expected_offsets[:MAX_SHOWN_ITEMS]}… Each page starts where the previous "
                "one ends: add limit to offset."
            ),
        )
    needed = math.ceil(total / page_size)
    if len(pages) != needed:
        raise CheckFailed(
            fr=(
                f"`{name}` contient {len(pages)} page(s); total = {total} lignes en pages "
                f"de {page_size} en demande {needed}. Arrêtez la boucle quand offset "
                "atteint total."
            ),
            en=(
                f"`{name}` holds {len(pages)} page(s); total = {total} rows in pages of "
                f"{page_size} needs {needed}. Stop the loop when offset reaches total."
            ),
        )


def check_row_count(frame: Any, total: int, name: str) -> None:
    """Check that the DataFrame ``frame`` has ``total`` rows, the server's ``total``."""
    check_type(frame, pd.DataFrame, name)
    if len(frame) == total:
        return
    raise CheckFailed(
        fr=(
            f"`{name}` a {len(frame)} lignes, alors que le serveur en annonce "
            f"total = {total}. Lisez toutes les pages, pas seulement la première."
        ),
        en=(
            f"`{name}` has {len(frame)} rows while the server reports total = {total}. "
            "Read every page, not only the first one."
        ),
    )


def check_matches_total(value: Any, total: int, name: str) -> None:
    """Check that the number ``value`` equals ``total``, the row count the server reports."""
    check_number(value, name)
    if value == total:
        return
    raise CheckFailed(
        fr=(
            f"`{name}` vaut {value}, alors que le serveur annonce total = {total} lignes. "
            "Comptez les lignes de toutes les pages."
        ),
        en=(
            f"`{name}` is {value} while the server reports total = {total} rows. Count "
            "the rows of every page."
        ),
    )


def check_quoted_identifier(sql: Any, identifier: str, name: str) -> None:
    """Check that the SQL text ``sql`` writes ``identifier`` between double quotes."""
    check_type(sql, str, name)
    if f'"{identifier}"' in sql:
        return
    raise CheckFailed(
        fr=(
            f"`{name}` doit écrire {identifier!r} entre guillemets doubles : "
            f'"{identifier}". Un nom de table ou de colonne va entre guillemets doubles, '
            "une valeur textuelle entre apostrophes."
        ),
        en=(
            f"`{name}` must write {identifier!r} between double quotes: "
            f'"{identifier}". Table and column names go between double quotes, text '
            "values between single quotes."
        ),
    )


def run_sql(client: PortalClient, sql: Any, name: str) -> pd.DataFrame:
    """Run the learner's query ``sql`` with ``client`` and return its rows.

    Raises
    ------
    CheckFailed
        If ``sql`` is not text or the server rejects it; the message keeps
        the server's own explanation.
    PortalUnavailableError
        If the server cannot be reached or does not respond in time.
    """
    check_type(sql, str, name)
    try:
        return client.datastore_search_sql(sql).to_dataframe()
    except PortalUnavailableError:
        # The server did not respond, so the learner's query is not at fault.
        raise
    except PortalError as error:
        raise CheckFailed(
            fr=(
                f"Le serveur a refusé la requête `{name}` : {error.portal_message or error}. "
                "Vérifiez les guillemets doubles autour de la table et des colonnes."
            ),
            en=(
                f"The server rejected the query `{name}`: {error.portal_message or error}. "
                "Check the double quotes around the table and the columns."
            ),
        ) from None


def _folded(text: str) -> str:
    """Return ``text`` without accents and in lower case, to compare loosely."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
