"""An offline replica of the portal's CKAN action API, served on 127.0.0.1.

Start it from a shell::

    python -m widgets.replica --port 8765

then point the course's client at it::

    export DONNEESQC_API=http://127.0.0.1:8765/api/3/action/

or start it inside Python, for tests and lessons::

    handle = start_replica()
    ...
    handle.stop()

It serves ``/api/3/action/<action>`` and ``/api/action/<action>`` (also below
``/recherche``, as on the portal), by GET with query parameters or by POST
with a JSON body, for ``package_search``, ``package_show``,
``package_list``, ``organization_list``, ``organization_show``,
``license_list``, ``datastore_search``, ``datastore_search_sql`` and
``help_show``. Answers use CKAN's envelope ``{help, success, result}`` and
its error shapes and status codes (400, 403, 404, 409, 500). The data comes
from the registered files, read through :func:`widgets.fetch.fetch`.

The server binds 127.0.0.1 only and rejects any other host.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, parse_qsl, urlsplit

from widgets.ckan_catalog import Catalog
from widgets.ckan_errors import ActionBadRequest, ActionError, ActionNotFound
from widgets.datastore import Datastore
from widgets.registry import Dataset, get_dataset, list_datasets

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
ACCEPTED_HOSTS = ("127.0.0.1", "localhost")
DEFAULT_PORT = 8765
MAX_BODY_BYTES = 1_000_000
IDLE_CONNECTION_SECONDS = 30
PORTAL_PREFIX = "/recherche"
ACTION_PATH = re.compile(r"^/api(?:/(?P<version>\d+))?/action/(?P<action>[^/]+)/?$")
API_ROOT_PATH = re.compile(r"^/api(?:/(?P<version>\d+))?/?$")


@dataclass(frozen=True)
class RequestContext:
    """Request details an action uses: the HTTP path and query string arguments."""

    path: str
    query_args: dict


class Replica:
    """The replica's catalog and datastore, and the CKAN actions over them."""

    def __init__(self, catalog: Catalog, datastore: Datastore) -> None:
        self.catalog = catalog
        self.datastore = datastore
        self.actions: dict[str, Callable[[dict, RequestContext], object]] = {
            "package_search": lambda params, _: catalog.package_search(params),
            "package_show": lambda params, _: catalog.package_show(params),
            "package_list": lambda params, _: catalog.package_list(params),
            "organization_list": lambda params, _: catalog.organization_list(params),
            "organization_show": lambda params, _: catalog.organization_show(params),
            "license_list": lambda params, _: catalog.license_list(params),
            "datastore_search": lambda params, context: datastore.search(
                params, path=context.path, query_args=context.query_args
            ),
            "datastore_search_sql": lambda params, _: datastore.search_sql(params),
            "help_show": lambda params, _: self.help_show(params),
        }

    @classmethod
    def from_registry(cls, dataset_ids: Iterable[str] | None = None) -> Replica:
        """Load the registered files and build the replica.

        Parameters
        ----------
        dataset_ids
            Registry ids of the files to load into the datastore; all of them
            by default. A recorded API response of the same resource comes
            along, for its data dictionary. The catalog lists every registered
            dataset either way, and ``datastore_search`` serves only the
            loaded files. Loading only the files a notebook needs shortens
            the start (``benchmarks/bench_replica_start.py`` measures it).
        """
        started = time.perf_counter()
        datasets = None if dataset_ids is None else _with_responses(dataset_ids)
        datastore = Datastore.from_registry(datasets)
        catalog = Catalog.from_registry(set(datastore.tables))
        logger.info(
            "Replica data ready in %.1f s: %d packages, %d datastore tables",
            time.perf_counter() - started,
            len(catalog.packages),
            len(datastore.tables),
        )
        return cls(catalog, datastore)

    def call(self, action: str, params: dict, context: RequestContext) -> object:
        """Run ``action`` with ``params`` and return its result.

        Raises
        ------
        ActionError
            With CKAN's status and error object when the action fails.
        """
        function = self.actions.get(action)
        if function is None:
            raise ActionBadRequest(f"Action name not known: {action}")
        return function(params, context)

    def help_show(self, params: dict) -> str:
        """Return the documentation of the action named by ``name``."""
        name = params.get("name")
        documented = {
            "package_search": Catalog.package_search,
            "package_show": Catalog.package_show,
            "package_list": Catalog.package_list,
            "organization_list": Catalog.organization_list,
            "organization_show": Catalog.organization_show,
            "license_list": Catalog.license_list,
            "datastore_search": Datastore.search,
            "datastore_search_sql": Datastore.search_sql,
            "help_show": Replica.help_show,
        }
        if name not in documented:
            raise ActionNotFound(f"Action function not found: {name}")
        return documented[name].__doc__ or ""

    def close(self) -> None:
        """Release the datastore."""
        self.datastore.close()


class ReplicaServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to 127.0.0.1 that serves one :class:`Replica`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, replica: Replica) -> None:
        self.replica = replica
        super().__init__((LOOPBACK, port), ReplicaRequestHandler)

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class ReplicaRequestHandler(BaseHTTPRequestHandler):
    """Route GET and POST requests to the replica's actions."""

    protocol_version = "HTTP/1.1"
    server_version = "donneesqc-replica"
    timeout = IDLE_CONNECTION_SECONDS
    server: ReplicaServer

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        params = _mixed(parse_qs(split.query, keep_blank_values=True))
        query_args = dict(parse_qsl(split.query, keep_blank_values=True))
        self._dispatch(split.path, params, query_args)

    def do_POST(self) -> None:
        split = urlsplit(self.path)
        try:
            params = self._read_body()
        except ActionBadRequest as error:
            self._send_json(error.status, error.body())
            return
        self._dispatch(split.path, params, {})

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _dispatch(self, path: str, params: dict, query_args: dict) -> None:
        prefix = PORTAL_PREFIX if path.startswith(PORTAL_PREFIX + "/") else ""
        local_path = path[len(prefix) :]
        root = API_ROOT_PATH.match(local_path)
        if root:
            self._send_json(200, {"version": 3})
            return
        match = ACTION_PATH.match(local_path)
        if match is None or match.group("version") not in (None, "3"):
            body = {
                "success": False,
                "error": {
                    "__type": "Not Found Error",
                    "message": f"Not found: {path[:200]}",
                },
            }
            self._send_json(404, body)
            return

        action = match.group("action")
        params.pop("callback", None)
        envelope = {
            "help": f"{self.server.base_url}{prefix}/api/3/action/help_show?name={action}"
        }
        context = RequestContext(path=local_path, query_args=query_args)
        try:
            result = self.server.replica.call(action, params, context)
        except ActionBadRequest as error:
            logger.info("Rejected %s: %s", action[:100], error.message)
            self._send_json(error.status, error.body())
            return
        except ActionError as error:
            logger.info(
                "%s failed for %s: %s %s",
                action,
                _ids(params),
                error.error_type,
                error.message[:300],
            )
            envelope.update(success=False, error=error.error_object())
            self._send_json(error.status, envelope)
            return
        except Exception:
            logger.exception(
                "%s raised an unexpected error for %s", action, _ids(params)
            )
            envelope.update(
                success=False,
                error={
                    "__type": "Internal Server Error",
                    "message": "Internal Server Error",
                },
            )
            self._send_json(500, envelope)
            return
        envelope.update(success=True, result=result)
        self._send_json(200, envelope)

    def _read_body(self) -> dict:
        """Read a POST body: a JSON object, or form fields as CKAN reads them."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ActionBadRequest(
                f"Request body must be 0 to {MAX_BODY_BYTES} bytes long"
            )
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        content_type = self.headers.get("Content-Type", "")
        try:
            text = raw.decode("utf-8")
            if content_type.startswith("application/x-www-form-urlencoded"):
                fields = parse_qs(text, keep_blank_values=True)
                if len(fields) == 1 and next(iter(fields.values())) in ([""], ["1"]):
                    data = json.loads(next(iter(fields)))
                else:
                    data = _mixed(fields)
            else:
                data = json.loads(text)
        except (UnicodeDecodeError, ValueError) as error:
            raise ActionBadRequest(
                f"JSON Error: Error decoding JSON data. Error: {error!r}"
            )
        if not isinstance(data, dict):
            raise ActionBadRequest(
                f"JSON Error: Request data JSON decoded to {data!r:.100} but it needs to "
                "be a dictionary."
            )
        return data

    def _send_json(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class ReplicaHandle:
    """A replica running in a background thread; :meth:`stop` ends it."""

    server: ReplicaServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL of the server, ``http://127.0.0.1:<port>``."""
        return self.server.base_url

    @property
    def api_url(self) -> str:
        """Action API base URL, the value for ``DONNEESQC_API``."""
        return f"{self.url}/api/3/action/"

    @property
    def port(self) -> int:
        """Port the server listens on."""
        return self.server.server_address[1]

    def stop(self) -> None:
        """Stop serving, wait for the thread and close the datastore."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.server.replica.close()
        logger.info("Replica on %s stopped", self.url)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def check_host(host: str) -> str:
    """Return the loopback address for ``host``, or raise if it is another host.

    Raises
    ------
    ValueError
        If ``host`` is not 127.0.0.1 or localhost.
    """
    if host not in ACCEPTED_HOSTS:
        raise ValueError(
            f"The replica binds 127.0.0.1 only, not {host!r}: it is meant for this "
            "machine. Use --host 127.0.0.1 (the default)."
        )
    return LOOPBACK


def start_replica(
    port: int = 0,
    *,
    host: str = LOOPBACK,
    replica: Replica | None = None,
    datasets: Iterable[str] | None = None,
) -> ReplicaHandle:
    """Start the replica in a background thread and return its handle.

    Parameters
    ----------
    port
        TCP port on 127.0.0.1; 0 picks a free one (read it from ``handle.url``).
    host
        Must be 127.0.0.1 or localhost.
    replica
        An already built :class:`Replica`; built from the registry by default.
    datasets
        Registry ids of the files the datastore loads when ``replica`` is
        not given; all of them by default.

    Examples
    --------
    >>> handle = start_replica()  # doctest: +SKIP
    >>> handle.api_url  # doctest: +SKIP
    'http://127.0.0.1:41234/api/3/action/'
    >>> handle.stop()  # doctest: +SKIP
    """
    check_host(host)
    replica = replica or Replica.from_registry(datasets)
    server = ReplicaServer(port, replica)
    thread = threading.Thread(
        target=server.serve_forever,
        name=f"replica-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    logger.info("Replica serving %s/api/3/action/", server.base_url)
    return ReplicaHandle(server, thread)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replica in the foreground until interrupted; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.replica",
        description="Serve an offline replica of the Données Québec CKAN API on 127.0.0.1.",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port (default %(default)s)."
    )
    parser.add_argument(
        "--host",
        default=LOOPBACK,
        help="Must be 127.0.0.1 or localhost (default %(default)s).",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Logging level (default %(default)s).",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    try:
        check_host(args.host)
    except ValueError as error:
        parser.error(str(error))
    replica = Replica.from_registry()
    try:
        server = ReplicaServer(args.port, replica)
    except OSError as error:
        replica.close()
        if error.errno == errno.EADDRINUSE:
            logger.error(
                "Port %d on 127.0.0.1 is already in use: stop the other server or "
                "choose another port with --port.",
                args.port,
            )
        else:
            logger.error("Could not listen on 127.0.0.1:%d: %s", args.port, error)
        return 1

    logger.info(
        "Replica serving %s/api/3/action/ (stop with Ctrl+C). Point the course at it "
        "with: export DONNEESQC_API=%s/api/3/action/",
        server.base_url,
        server.base_url,
    )
    if threading.current_thread() is threading.main_thread():
        # Stop as on Ctrl+C when a process manager sends SIGTERM.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        replica.close()
        logger.info("Replica on %s stopped", server.base_url)
    return 0


def _with_responses(dataset_ids: Iterable[str]) -> list[Dataset]:
    """Return the datasets ``dataset_ids`` and the recorded API responses of their resources."""
    selected = [get_dataset(dataset_id) for dataset_id in dataset_ids]
    resource_ids = {dataset.resource_id for dataset in selected if dataset.resource_id}
    responses = [
        dataset
        for dataset in list_datasets()
        if dataset.kind == "ckan_api_response"
        and dataset.resource_id in resource_ids
        and dataset not in selected
    ]
    return selected + responses


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _mixed(fields: dict[str, list[str]]) -> dict:
    """Collapse parsed query fields: one value as a string, several as a list."""
    return {
        key: values[0] if len(values) == 1 else values for key, values in fields.items()
    }


def _ids(params: dict) -> str:
    """Describe the ids in ``params`` for a log line."""
    keys = ("resource_id", "id", "name", "name_or_id", "q", "sql")
    parts = [f"{key}={str(params[key])[:120]!r}" for key in keys if key in params]
    return ", ".join(parts) or "no id"


if __name__ == "__main__":
    sys.exit(main())
