"""Fixtures of the site tests: one fresh build of both editions per session."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from widgets.site import build_site

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT.parent / "shared" / "portal-snapshot"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build both editions from scratch into a temporary folder and return the site."""
    os.environ.setdefault("DONNEESQC_MIRROR", str(SNAPSHOT))
    build_dir = tmp_path_factory.mktemp("build")
    return build_site(ROOT, build_dir, strict=True)


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """Serve the built site on a free port of 127.0.0.1 for the session."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
