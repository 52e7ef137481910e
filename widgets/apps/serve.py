"""Serve the course's apps with Voilà on 127.0.0.1.

``python -m widgets.apps screenshots`` records the landing screenshots and
walkthroughs (see :mod:`widgets.apps.screenshots`).

``python -m widgets.apps serve --port 8866`` starts Voilà as a child
process on the notebooks folder, with the course template (no request to a
CDN) and tracebacks hidden from learners, then waits for it. SIGINT and
SIGTERM stop Voilà by its pid, so a test fixture or a service manager that
stops this command stops the server too.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import widgets
from widgets.apps.screenshots import add_arguments as add_screenshot_arguments
from widgets.apps.screenshots import run as record_screenshots
from widgets.apps.shell import INSTRUCTOR_VARIABLE
from widgets.connectivity import OFFLINE_VARIABLE
from widgets.needs_board import DB_VARIABLE
from widgets.portal import API_VARIABLE

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
TEMPLATE = "donneesqc"
PACKAGE_ROOT = Path(widgets.__file__).resolve().parent.parent
TEMPLATE_ROOT = Path(__file__).resolve().parent / "jupyter"
DEFAULT_NOTEBOOKS = PACKAGE_ROOT / "notebooks"
STOP_TIMEOUT_SECONDS = 20


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of ``python -m widgets.apps``."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.apps",
        description="Serve the course's Voilà apps on 127.0.0.1.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start Voilà on the app notebooks")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port on 127.0.0.1 (default {DEFAULT_PORT})",
    )
    serve.add_argument(
        "--notebooks",
        type=Path,
        default=DEFAULT_NOTEBOOKS,
        help="folder of the app notebooks (default: notebooks/ of the project)",
    )
    serve.add_argument(
        "--instructor",
        action="store_true",
        help=f"instructor mode: moderation and tracebacks ({INSTRUCTOR_VARIABLE}=1)",
    )
    serve.add_argument(
        "--board-db",
        type=Path,
        default=None,
        help=f"SQLite file of the data-needs board (sets {DB_VARIABLE})",
    )
    serve.add_argument(
        "--offline",
        action="store_true",
        help=f"send no request to the internet: no portal check, no map tiles "
        f"({OFFLINE_VARIABLE}=1)",
    )
    serve.add_argument(
        "--api",
        default=None,
        help=f"CKAN action API the catalogue and API apps use (sets {API_VARIABLE})",
    )
    serve.add_argument(
        "--language",
        choices=("fr", "en"),
        default=None,
        help="language the apps open in (default: French)",
    )
    shots = commands.add_parser(
        "screenshots",
        help="record landing screenshots and walkthroughs in chromium",
    )
    add_screenshot_arguments(shots)
    return parser


def voila_command(port: int, notebooks: Path) -> list[str]:
    """Return the Voilà command line that serves ``notebooks`` on 127.0.0.1:``port``."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebooks),
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={HOST}",
        "--no-browser",
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaExporter.language_code=fr",
    ]


def voila_environment(args: argparse.Namespace) -> dict[str, str]:
    """Return the environment of the Voilà process and of its kernels."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        part for part in (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")) if part
    )
    # Kernels import the same widgets package as this command.
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if part
    )
    if args.instructor:
        env[INSTRUCTOR_VARIABLE] = "1"
    if args.board_db is not None:
        env[DB_VARIABLE] = str(args.board_db.expanduser().resolve())
    if args.language:
        env["DONNEESQC_LANG"] = args.language
    if getattr(args, "offline", False):
        env[OFFLINE_VARIABLE] = "1"
    if getattr(args, "api", None):
        env[API_VARIABLE] = args.api
    return env


def serve(args: argparse.Namespace) -> int:
    """Run Voilà until it exits or this process gets SIGINT or SIGTERM."""
    notebooks = args.notebooks.expanduser().resolve()
    if not notebooks.is_dir():
        logger.error("Notebook folder not found: %s. Pass --notebooks DIR.", notebooks)
        return 2
    command = voila_command(args.port, notebooks)
    logger.info("Starting Voilà: %s", " ".join(command))
    process = subprocess.Popen(command, env=voila_environment(args))
    logger.info(
        "Voilà serves %s at http://%s:%d/ (pid %d)",
        notebooks,
        HOST,
        args.port,
        process.pid,
    )

    def stop(signum: int, _frame: object) -> None:
        # Only signal here: the main thread is inside process.wait(), which
        # returns once Voilà has shut its kernels down and exited.
        logger.info("Signal %d: stopping Voilà (pid %d)", signum, process.pid)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = {
        signum: signal.signal(signum, stop)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        return process.wait()
    finally:
        _stop(process)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m widgets.apps`` with ``argv`` (the process arguments by default)."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "screenshots":
        return record_screenshots(args)
    return 2


def _stop(process: subprocess.Popen) -> None:
    """Stop Voilà by its pid: SIGTERM, then SIGKILL after a timeout."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning(
            "Voilà (pid %d) did not stop in %d s; killing it",
            process.pid,
            STOP_TIMEOUT_SECONDS,
        )
        process.kill()
        process.wait()
