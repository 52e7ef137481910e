"""Record the apps in a real browser: landing screenshots and walkthroughs.

``python -m widgets.apps screenshots`` starts ``python -m widgets.apps
serve --offline`` on a free port of 127.0.0.1, opens each app in Debian's
chromium (driven by playwright), plays its main interaction step by step
and saves:

- one screenshot per app for the landing page, ``notebooks/img/<app>.png``;
- one walkthrough per app, the frames of every step assembled into an
  animated PNG, ``widgets/static/walkthroughs/<app>.png`` (the book serves
  ``widgets/static`` as ``_static``).

Frames are scaled down inside chromium (drawn on a canvas), so the script
needs no imaging library. Every request the pages make is recorded, and
the run fails if one leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import widgets
from widgets.apps.apng import assemble_apng
from widgets.apps.app_list import APPS, AppInfo

logger = logging.getLogger(__name__)

ROOT = Path(widgets.__file__).resolve().parent.parent
IMAGE_DIR = ROOT / "notebooks" / "img"
WALKTHROUGH_DIR = ROOT / "widgets" / "static" / "walkthroughs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1120, "height": 760}
LANDING_WIDTH = 480
WALKTHROUGH_WIDTH = 720
FRAME_DELAY_MS = 1800
START_TIMEOUT_SECONDS = 120
RENDER_TIMEOUT_MS = 180_000
STEP_TIMEOUT_MS = 60_000


@dataclass
class Recording:
    """The frames of one app and the requests its page made."""

    app: AppInfo
    frames: list[bytes]
    landing: bytes
    external_requests: list[str]


Step = Callable[[object], None]


def main(argv: list[str] | None = None) -> int:
    """Run the recorder; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.apps screenshots", description=__doc__.splitlines()[0]
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the recorder's options to ``parser``."""
    parser.add_argument(
        "apps",
        nargs="*",
        help="keys of the apps to record (default: all): "
        + ", ".join(app.key for app in APPS),
    )
    parser.add_argument(
        "--images",
        type=Path,
        default=IMAGE_DIR,
        help="folder of the landing screenshots (default: notebooks/img)",
    )
    parser.add_argument(
        "--walkthroughs",
        type=Path,
        default=WALKTHROUGH_DIR,
        help="folder of the walkthroughs (default: widgets/static/walkthroughs)",
    )


def run(args: argparse.Namespace) -> int:
    """Record the apps named in ``args`` and write the images."""
    keys = args.apps or [app.key for app in APPS]
    unknown = sorted(set(keys) - {app.key for app in APPS})
    if unknown:
        logger.error(
            "Unknown app(s): %s. Apps: %s",
            ", ".join(unknown),
            ", ".join(app.key for app in APPS),
        )
        return 2
    args.images.mkdir(parents=True, exist_ok=True)
    args.walkthroughs.mkdir(parents=True, exist_ok=True)
    failures = 0
    with voila_server() as base_url, browser() as chromium:
        for app in APPS:
            if app.key not in keys:
                continue
            try:
                recording = record(chromium, base_url, app)
            except Exception:
                logger.exception("Recording %s failed", app.key)
                failures += 1
                continue
            if recording.external_requests:
                logger.error(
                    "%s requested hosts other than 127.0.0.1: %s",
                    app.key,
                    recording.external_requests,
                )
                failures += 1
                continue
            landing = args.images / f"{app.key}.png"
            landing.write_bytes(recording.landing)
            animation = args.walkthroughs / f"{app.key}.png"
            animation.write_bytes(assemble_apng(recording.frames, FRAME_DELAY_MS))
            logger.info(
                "%s: %s (%d KB), %s (%d frames, %d KB)",
                app.key,
                landing,
                landing.stat().st_size // 1024,
                animation,
                len(recording.frames),
                animation.stat().st_size // 1024,
            )
    return 1 if failures else 0


def record(chromium, base_url: str, app: AppInfo) -> Recording:
    """Open ``app``, play its steps and return its frames."""
    page = chromium.new_page(viewport=VIEWPORT)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda socket_: requests.append(socket_.url))
    try:
        page.goto(f"{base_url}/voila/render/{app.notebook}", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(".dq-app", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_timeout(1000)
        frames = []
        for step in STEPS[app.key]:
            step(page)
            page.wait_for_timeout(700)
            frames.append(page.screenshot())
        landing_frame = frames[LANDING_FRAME.get(app.key, -1)]
        scaler = chromium.new_page()
        try:
            scaled = [scale_png(scaler, frame, WALKTHROUGH_WIDTH) for frame in frames]
            landing = scale_png(scaler, landing_frame, LANDING_WIDTH)
        finally:
            scaler.close()
    finally:
        page.close()
    allowed = (base_url, base_url.replace("http://", "ws://"), "data:", "blob:")
    external = [url for url in requests if not url.startswith(allowed)]
    return Recording(app, scaled, landing, external)


def scale_png(page, png: bytes, width: int) -> bytes:
    """Return ``png`` scaled to ``width`` pixels wide, drawn on a chromium canvas."""
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    data_url = page.evaluate(
        """async ([source, width]) => {
            const image = new Image();
            image.src = source;
            await image.decode();
            const height = Math.round(image.height * width / image.width);
            const canvas = document.createElement('canvas');
            canvas.width = width;
            canvas.height = height;
            const context = canvas.getContext('2d', {alpha: false});
            context.imageSmoothingEnabled = true;
            context.imageSmoothingQuality = 'high';
            context.drawImage(image, 0, 0, width, height);
            return canvas.toDataURL('image/png');
        }""",
        [source, width],
    )
    return base64.b64decode(data_url.split(",", 1)[1])


@contextmanager
def voila_server() -> Iterator[str]:
    """Serve the apps offline on a free port; yield the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="dq-screenshots-"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH", "")])
    )
    env.pop("DONNEESQC_INSTRUCTOR", None)
    log = (folder / "voila.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "widgets.apps",
            "serve",
            "--port",
            str(port),
            "--offline",
            "--board-db",
            str(folder / "board.sqlite3"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Voilà did not start on {url}; see {folder / 'voila.log'}"
                    ) from error
                time.sleep(0.5)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def browser() -> Iterator[object]:
    """Start Debian's chromium through playwright; yield the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


# Steps -------------------------------------------------------------------


def _wait(page, script: str, *args: object) -> None:
    page.wait_for_function(script, arg=list(args), timeout=STEP_TIMEOUT_MS)


def _wait_text(page, selector: str, text: str) -> None:
    _wait(
        page,
        "([selector, text]) => { const node = document.querySelector(selector);"
        " return node !== null && (node.value || node.innerText || '').includes(text); }",
        selector,
        text,
    )


def _show(page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()


def _show_from_top(page, selector: str) -> None:
    """Scroll so that ``selector`` is at the top of the viewport, with what follows it."""
    page.locator(selector).first.evaluate(
        "node => node.scrollIntoView({block: 'start'})"
    )


def _top(page) -> None:
    _show(page, ".dq-title")


def _english(page, selector: str, text: str) -> None:
    page.get_by_role("button", name="English").click()
    _wait_text(page, selector, text)
    _top(page)


def select_option_matching(page, selector: str, pattern: str) -> None:
    """Choose the option of the ``<select>`` whose label matches ``pattern``.

    Waits until such an option exists, since the kernel fills option lists
    after the change that triggers them.
    """
    _wait(
        page,
        """([selector, pattern]) => Array.from(document.querySelectorAll(selector + ' option'))
            .some(o => new RegExp(pattern).test((o.label || o.textContent).replace(/\\u00a0/g, ' ')))""",
        selector,
        pattern,
    )
    labels = page.eval_on_selector_all(
        f"{selector} option", "options => options.map(o => o.label || o.textContent)"
    )
    # ipywidgets writes the spaces of option labels as non-breaking spaces.
    label = next(
        item for item in labels if re.search(pattern, item.replace("\u00a0", " "))
    )
    page.select_option(selector, label=label)


def _catalogue_steps() -> list[Step]:
    def start(page):
        _wait_text(page, ".dq-summary", "page 1")
        _top(page)

    def search(page):
        page.fill(".dq-keywords input", "vélo")
        page.click("button.dq-search")
        _wait_text(page, ".dq-summary", "1 jeu(x)")
        _show(page, ".dq-results")

    def resource(page):
        select_option_matching(page, ".dq-resource select", "2019")
        _wait_text(page, ".dq-preview", "35040")
        _show_from_top(page, ".dq-resource")

    def geojson(page):
        page.fill(".dq-keywords input", "")
        page.click("button.dq-search")
        _wait_text(page, ".dq-summary", "8 jeu(x)")
        select_option_matching(page, ".dq-format select", "GeoJSON")
        _wait_text(page, ".dq-summary", "3 jeu(x)")
        _top(page)

    def english(page):
        _english(page, ".dq-summary", "dataset(s) found")

    return [start, search, resource, geojson, english]


def _api_steps() -> list[Step]:
    def start(page):
        _wait_text(page, ".dq-curl textarea", "curl")
        _top(page)

    def request(page):
        _show(page, ".dq-python")

    def execute(page):
        page.click("button.dq-run")
        _wait_text(page, ".dq-status", "page 1")
        _show_from_top(page, ".dq-status")

    def next_page(page):
        page.click("button.dq-next")
        _wait_text(page, ".dq-status", "page 2")
        _show_from_top(page, ".dq-status")

    def json_view(page):
        _show(page, ".dq-json")

    return [start, request, execute, next_page, json_view]


def _map_steps() -> list[Step]:
    def start(page):
        _wait(page, "() => document.querySelectorAll('.dq-map path').length > 30")
        _show(page, ".dq-map")

    def projected(page):
        select_option_matching(page, ".dq-pair select", "POINT_X")
        _wait_text(page, ".dq-detection", "MTM")
        _show(page, ".dq-dataset")

    def swapped(page):
        select_option_matching(page, ".dq-pair select", "^LAT, LONG")
        _wait_text(page, ".dq-detection", "inversées")
        _show(page, ".dq-dataset")

    def quebec(page):
        select_option_matching(page, ".dq-dataset select", "Québec")
        _wait_text(page, ".dq-map-summary", "35 élément")
        _show(page, ".dq-map")

    return [start, projected, swapped, quebec]


def _chart_steps() -> list[Step]:
    def start(page):
        _wait(page, "() => document.querySelector('.dq-chart svg') !== null")
        _top(page)

    def bikes(page):
        select_option_matching(page, ".dq-dataset select", "2019")
        _wait_text(page, ".dq-alt-text", "point(s)")
        _wait_text(page, ".dq-alt-text", "2019-12-31")
        # A counter that ran all year shows the seasons and the missing August.
        select_option_matching(page, ".dq-y select", "compteur_100003032")
        _wait_text(page, ".dq-alt-text", "compteur_100003032")
        _show(page, ".dq-chart")

    def monthly(page):
        select_option_matching(page, ".dq-date-group select", "mois")
        _wait_text(page, ".dq-alt-text", "11 point(s)")
        _show(page, ".dq-chart")

    def bars(page):
        page.get_by_role("button", name="Diagramme à barres").click()
        _wait_text(page, ".dq-alt-text", "Diagramme à barres")
        _show(page, ".dq-alt-text")

    def code(page):
        _show(page, ".dq-code")

    return [start, bikes, monthly, bars, code]


def _quality_steps() -> list[Step]:
    def start(page):
        _top(page)

    def choose(page):
        select_option_matching(page, ".dq-dataset select", "urgence")
        page.wait_for_timeout(500)
        _top(page)

    def check(page):
        page.click(".dq-run button, button.dq-run")
        page.wait_for_selector(".dq-quality-card .dq-card", timeout=STEP_TIMEOUT_MS)
        _show(page, ".dq-quality-card")

    def english(page):
        _english(page, ".dq-quality-card", "rows")
        _show(page, ".dq-quality-card")

    return [start, choose, check, english]


def _licence_steps() -> list[Step]:
    def start(page):
        _top(page)

    def quartiers(page):
        select_option_matching(
            page, ".dq-datasets select", "Quartiers de la Ville de Québec"
        )
        _wait_text(page, ".dq-credits textarea", "Ville de Québec")
        _top(page)

    def cc0(page):
        select_option_matching(page, ".dq-target select", "CC0")
        page.wait_for_selector(".dq-compatibility [data-verdict='no']")
        _show(page, ".dq-compatibility")

    def english(page):
        _english(page, ".dq-credits textarea", "Québec City")

    return [start, quartiers, cc0, english]


def _board_steps() -> list[Step]:
    def start(page):
        _top(page)

    def fill(page):
        page.fill(".dq-voter input", "alice")
        page.fill(".dq-need-title input", "Horaires des bibliothèques")
        page.fill(
            ".dq-need-reason textarea",
            "Planifier des ateliers du soir dans les bibliothèques du quartier.",
        )
        _top(page)

    def propose(page):
        page.get_by_role("button", name="Proposer").click()
        page.wait_for_selector(".dq-request", timeout=STEP_TIMEOUT_MS)
        _show(page, ".dq-request")

    def vote(page):
        page.get_by_role("button", name=re.compile(r"Voter \(0\)")).click()
        page.wait_for_selector("button:has-text('Voter (1)')", timeout=STEP_TIMEOUT_MS)
        _show(page, ".dq-request")

    return [start, fill, propose, vote]


STEPS: dict[str, list[Step]] = {
    "catalogue": _catalogue_steps(),
    "api": _api_steps(),
    "map": _map_steps(),
    "charts": _chart_steps(),
    "quality": _quality_steps(),
    "licences": _licence_steps(),
    "board": _board_steps(),
}
# The walkthrough frame each landing screenshot uses (the main interaction's result).
LANDING_FRAME = {
    "catalogue": 2,
    "api": 2,
    "map": 1,
    "charts": 2,
    "quality": 2,
    "licences": 2,
    "board": 3,
}
