"""Choose the CKAN API an app talks to: the one named, the portal, or a replica.

:func:`connect` returns a :class:`PortalClient` and says where it points:

1. ``DONNEESQC_API`` (or the ``base_url`` argument), when set;
2. the Données Québec portal, when it answers a quick check;
3. otherwise a replica of the portal's API started in this process on a
   free port of 127.0.0.1 (see :mod:`widgets.replica`), from the registered
   files. It lives as long as the process, and every later call reuses it.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from widgets.connectivity import portal_reachable
from widgets.i18n import pick
from widgets.portal import API_VARIABLE, PORTAL_API_URL, PortalClient
from widgets.replica import ReplicaHandle, start_replica

logger = logging.getLogger(__name__)

SOURCES = ("configured", "portal", "replica")

_lock = threading.Lock()
_replica: ReplicaHandle | None = None


@dataclass
class ApiSource:
    """A client and where it points.

    ``source`` is ``"configured"`` (``DONNEESQC_API`` or an explicit URL),
    ``"portal"`` or ``"replica"`` (started by this process).
    """

    client: PortalClient
    source: str

    @property
    def base_url(self) -> str:
        """The action API base URL the client sends requests to."""
        return str(self.client.base_url)

    def describe(self, language: str | None = None) -> str:
        """Return one sentence for the page: which API responds, and why."""
        url = self.base_url
        if self.source == "portal":
            return pick(
                f"Source : le portail Données Québec ({url}).",
                f"Source: the Données Québec portal ({url}).",
                language,
            )
        if self.source == "replica":
            return pick(
                "Source : une réplique hors ligne de l'API du portail, démarrée par "
                f"cette application sur {url}, avec les fichiers du cours. Le portail "
                f"ne répond pas et {API_VARIABLE} n'est pas défini.",
                "Source: an offline replica of the portal's API, started by this app "
                f"on {url}, with the course's files. The portal does not answer and "
                f"{API_VARIABLE} is not set.",
                language,
            )
        return pick(
            f"Source : l'API nommée par {API_VARIABLE} ({url}).",
            f"Source: the API named by {API_VARIABLE} ({url}).",
            language,
        )


def connect(base_url: str | None = None) -> ApiSource:
    """Return a client for the configured API, the portal, or a local replica.

    Starting the replica reads the registered files (a few seconds the first
    time). With ``DONNEESQC_OFFLINE=1`` the portal is not checked.
    """
    configured = base_url or os.environ.get(API_VARIABLE, "").strip()
    if configured:
        return ApiSource(PortalClient(configured), "configured")
    if portal_reachable():
        return ApiSource(PortalClient(PORTAL_API_URL), "portal")
    return ApiSource(PortalClient(replica_handle().api_url), "replica")


def replica_handle() -> ReplicaHandle:
    """Return this process's replica, starting it on first use."""
    global _replica
    with _lock:
        if _replica is None:
            logger.info(
                "No API configured and the portal does not respond: starting a replica"
            )
            _replica = start_replica(port=0)
        return _replica


def stop_replica() -> None:
    """Stop the replica this process started, if any."""
    global _replica
    with _lock:
        if _replica is not None:
            _replica.stop()
            _replica = None
