"""Small HTTP servers on 127.0.0.1 for the portal client and replica tests.

Fixtures live in the test modules. This module only starts and stops the
servers, each bound to 127.0.0.1 on a free port and shut down on exit.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUCCESS_BODY = {"help": "", "success": True, "result": ["mamh"]}


@dataclass
class ScriptedServer:
    """A server whose first responses follow a script, then succeed."""

    url: str
    requests: list[dict] = field(default_factory=list)


@contextlib.contextmanager
def scripted_server(
    failures: int = 0,
    status: int = 500,
    retry_after: str | None = None,
    delay: float = 0.0,
    success_body: bytes | None = None,
) -> Iterator[ScriptedServer]:
    """Serve ``failures`` responses with ``status``, then CKAN successes.

    Every response waits ``delay`` seconds first. ``success_body`` replaces the
    JSON of successful responses. The request paths and headers are recorded in
    ``server.requests``.
    """
    lock = threading.Lock()
    state = ScriptedServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                state.requests.append(
                    {"path": self.path, "headers": dict(self.headers)}
                )
                number = len(state.requests)
            time.sleep(delay)
            if number <= failures:
                body = {
                    "help": "",
                    "success": False,
                    "error": {
                        "__type": "Internal Server Error",
                        "message": "Internal Server Error",
                    },
                }
                self._send(status, body, retry_after)
            else:
                self._send(200, SUCCESS_BODY, None)

        def _send(self, code: int, body: dict, retry: str | None) -> None:
            payload = json.dumps(body).encode()
            if code == 200 and success_body is not None:
                payload = success_body
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if retry is not None:
                    self.send_header("Retry-After", retry)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up after its timeout

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/3/action/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """Return an action API URL on a 127.0.0.1 port that nothing listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/3/action/"
