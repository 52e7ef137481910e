"""Whether the apps may use the internet: the portal's API and map tiles.

An app checks once, with a short timeout, whether a host answers before it
uses it; offline, it falls back to what runs on this machine (the replica,
maps drawn from boundary files). ``DONNEESQC_OFFLINE=1`` skips every check
and sends no request at all: tests, benchmarks and classrooms with no
internet set it.
"""

from __future__ import annotations

import functools
import logging
import os

import requests

from widgets.fetch import USER_AGENT

logger = logging.getLogger(__name__)

OFFLINE_VARIABLE = "DONNEESQC_OFFLINE"
CHECK_TIMEOUT_SECONDS = 2.0
PORTAL_CHECK_URL = "https://www.donneesquebec.ca/recherche/api/3/action/status_show"
TILES_CHECK_URL = "https://tile.openstreetmap.org/0/0/0.png"


def forced_offline() -> bool:
    """Return whether ``DONNEESQC_OFFLINE`` asks for no internet request at all."""
    return os.environ.get(OFFLINE_VARIABLE, "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def is_reachable(url: str, timeout: float = CHECK_TIMEOUT_SECONDS) -> bool:
    """Return whether ``url`` responds to a HEAD request within ``timeout`` seconds.

    Any HTTP status below 500 counts as reachable. With ``DONNEESQC_OFFLINE``
    set, return False without sending anything. The answer is cached for the
    life of the process, so an app asks at most once per URL.
    """
    if forced_offline():
        return False
    return _check(url, timeout)


def portal_reachable() -> bool:
    """Return whether the Données Québec API responds (see :func:`is_reachable`)."""
    return is_reachable(PORTAL_CHECK_URL)


def tiles_reachable() -> bool:
    """Return whether OpenStreetMap's tile server answers (see :func:`is_reachable`)."""
    return is_reachable(TILES_CHECK_URL)


@functools.cache
def _check(url: str, timeout: float) -> bool:
    try:
        response = requests.head(
            url,
            timeout=timeout,
            allow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
    except requests.RequestException as error:
        logger.info("%s is not reachable (%s); working offline", url, error)
        return False
    reachable = response.status_code < 500
    logger.info("%s responded with HTTP %d", url, response.status_code)
    return reachable
