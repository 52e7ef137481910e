"""Time the Voilà apps in chromium: first render, and interaction latency on the 2019 bike file.

Run from the project folder:

    python benchmarks/bench_apps.py [--repeat 3] [--interactions 20]

It copies the app notebooks and a baseline notebook into a temporary
folder, serves them with ``python -m widgets.apps serve --offline`` on a
free port of 127.0.0.1, and drives Debian's chromium through playwright:

- time to first render: from navigation to the app's frame (``.dq-app``)
  on screen, for each app, against the baseline served by the same Voilà
  in the same run. The baseline is a notebook whose one cell shows an empty
  ``ipywidgets.HTML`` widget: the page, a kernel start and the widget
  manager, with no app code. Each page is opened ``--repeat`` times; the
  median is reported;
- interaction latency on the largest registered dataset, the 2019 bicycle
  counts (35 040 rows of 15 minutes): in the chart builder, from choosing
  another y column (grouped by day) to the new alt text in the page; in the
  API query builder, from clicking "next page" of a ``datastore_search``
  on the same resource to the new page number in the page. p50 and p95
  over ``--interactions`` interactions each.

Pages request nothing but 127.0.0.1, and the apps send no request to the
internet (``--offline``). Data comes from the mirror named by
``DONNEESQC_MIRROR`` (default: ../shared/portal-snapshot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widgets.apps.app_list import APPS
from widgets.apps.screenshots import (
    CHROMIUM,
    CHROMIUM_ARGS,
    select_option_matching,
)
from widgets.ckan_catalog import resource_id_for
from widgets.registry import get_dataset

BASELINE = "baseline.ipynb"
BIKES = "velos-comptage-2019"
TIMEOUT_MS = 180_000
START_TIMEOUT_SECONDS = 120


def baseline_notebook() -> dict:
    """Return a notebook whose one cell shows an empty widget with the app frame's class."""
    source = "import ipywidgets as w\nbox = w.HTML('')\nbox.add_class('dq-app')\nbox"
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "baseline",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
        ],
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def start_voila(folder: Path) -> tuple[subprocess.Popen, str]:
    """Serve ``folder`` offline on a free port; return the process and base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    env.pop("DONNEESQC_INSTRUCTOR", None)
    log = (folder.parent / "voila.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "widgets.apps",
            "serve",
            "--port",
            str(port),
            "--offline",
            "--notebooks",
            str(folder),
            "--board-db",
            str(folder.parent / "board.sqlite3"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"Voilà did not start; see {folder.parent / 'voila.log'}"
                )
            time.sleep(0.5)


def stop_voila(process: subprocess.Popen) -> None:
    """Stop Voilà by its pid."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def first_render(browser, url: str, notebook: str, external: list[str]) -> float:
    """Return the seconds from navigation to the app frame on screen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda request: _note_external(request.url, url, external))
    start = time.perf_counter()
    page.goto(f"{url}/voila/render/{notebook}", timeout=TIMEOUT_MS)
    page.wait_for_selector(".dq-app", state="attached", timeout=TIMEOUT_MS)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def chart_latencies(browser, url: str, count: int, external: list[str]) -> list[float]:
    """Return the seconds of ``count`` y-column changes on the 2019 file in the chart builder."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda request: _note_external(request.url, url, external))
    page.goto(f"{url}/voila/render/graphiques.ipynb", timeout=TIMEOUT_MS)
    page.wait_for_selector(".dq-app", timeout=TIMEOUT_MS)
    select_option_matching(page, ".dq-dataset select", "2019")
    page.wait_for_function(
        "() => document.querySelector('.dq-alt-text').innerText.includes('2019-12-31')",
        timeout=TIMEOUT_MS,
    )
    labels = page.eval_on_selector_all(
        ".dq-y select option", "options => options.map(o => o.label || o.textContent)"
    )
    latencies = []
    for index in range(count):
        label = labels[(index + 1) % len(labels)]
        # ipywidgets writes the spaces of option labels as non-breaking spaces.
        name = label.replace("\u00a0", " ")
        start = time.perf_counter()
        page.select_option(".dq-y select", label=label)
        page.wait_for_function(
            "name => document.querySelector('.dq-alt-text').innerText.includes(name)",
            arg=name,
            timeout=TIMEOUT_MS,
        )
        latencies.append(time.perf_counter() - start)
    page.close()
    return latencies


def api_latencies(browser, url: str, count: int, external: list[str]) -> list[float]:
    """Return the seconds of ``count`` next-page clicks on the 2019 file in the API builder."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda request: _note_external(request.url, url, external))
    page.goto(f"{url}/voila/render/api.ipynb", timeout=TIMEOUT_MS)
    page.wait_for_selector(".dq-param-resource_id input", timeout=TIMEOUT_MS)
    resource = resource_id_for(get_dataset(BIKES))
    for selector, value in (
        (".dq-param-resource_id input", resource),
        (".dq-param-filters input", ""),
        (".dq-param-fields input", ""),
        (".dq-param-sort input", "Date desc"),
        (".dq-param-limit input", "100"),
    ):
        page.fill(selector, value)
    page.click("button.dq-run")
    page.wait_for_selector(".dq-status:has-text('page 1 sur')", timeout=TIMEOUT_MS)
    latencies = []
    for index in range(count):
        start = time.perf_counter()
        page.click("button.dq-next")
        page.wait_for_selector(
            f".dq-status:has-text('page {index + 2} sur')", timeout=TIMEOUT_MS
        )
        latencies.append(time.perf_counter() - start)
    page.close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="page loads per app (default 3)"
    )
    parser.add_argument(
        "--interactions",
        type=int,
        default=20,
        help="interactions per latency measure (default 20, at most 100)",
    )
    args = parser.parse_args(argv)
    interactions = max(1, min(args.interactions, 100))
    os.environ.setdefault(
        "DONNEESQC_MIRROR", str(ROOT.parent / "shared" / "portal-snapshot")
    )
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-apps-") as scratch:
        folder = Path(scratch) / "notebooks"
        folder.mkdir()
        for app in APPS:
            shutil.copy(ROOT / "notebooks" / app.notebook, folder / app.notebook)
        (folder / BASELINE).write_text(json.dumps(baseline_notebook()), "utf-8")
        process, url = start_voila(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                # One untimed load warms the disk cache and Python's bytecode.
                first_render(browser, url, BASELINE, external)
                renders = {}
                for notebook in [BASELINE] + [app.notebook for app in APPS]:
                    renders[notebook] = statistics.median(
                        first_render(browser, url, notebook, external)
                        for _ in range(max(1, args.repeat))
                    )
                chart = chart_latencies(browser, url, interactions, external)
                api = api_latencies(browser, url, min(interactions, 50), external)
                browser.close()
        finally:
            stop_voila(process)

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    base = renders[BASELINE]
    print(f"\nTime to first render, median of {args.repeat} loads")
    print(f"{'page':<28} {'seconds':>8} {'x baseline':>11}")
    print(f"{'baseline (one empty widget)':<28} {base:>8.2f} {1.0:>11.2f}")
    for app in APPS:
        seconds = renders[app.notebook]
        print(
            f"{app.key + ' (' + app.notebook + ')':<28} {seconds:>8.2f} {seconds / base:>11.2f}"
        )
    print(f"\nInteraction latency on {BIKES} (35 040 rows)")
    for name, values in (
        ("chart builder, change y (by day)", chart),
        ("API builder, next page (limit 100)", api),
    ):
        print(
            f"{name:<36} n={len(values):<3} p50 {percentile(values, 0.5) * 1000:7.0f} ms"
            f"   p95 {percentile(values, 0.95) * 1000:7.0f} ms"
        )
    if external:
        print(f"\nrequests that left 127.0.0.1: {sorted(set(external))}")
        return 1
    print("\nno request left 127.0.0.1")
    return 0


def _note_external(request_url: str, base_url: str, external: list[str]) -> None:
    allowed = (base_url, base_url.replace("http://", "ws://"), "data:", "blob:")
    if not request_url.startswith(allowed):
        external.append(request_url)


if __name__ == "__main__":
    sys.exit(main())
