"""Browser tests of the Voilà apps: Debian chromium driven by playwright.

A module fixture starts ``python -m widgets.apps serve`` on a free port of
127.0.0.1 and stops it by its pid. Each test opens one app, checks that it
rendered with no widget error in the page or the console, drives its main
interaction, saves a screenshot under test-artifacts/, and checks that the
page asked nothing of any host but 127.0.0.1.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from widgets.apps.app_list import APPS
from widgets.apps.chart_app import AGGREGATION_NAMES
from widgets.apps.screenshots import select_option_matching
from widgets.licences import find_licence
from widgets.registry import get_dataset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
START_TIMEOUT_SECONDS = 90
RENDER_TIMEOUT_MS = 120_000
# Console messages from JupyterLab extensions that Voilà does not load
# (module federation), harmless for the apps.
HARMLESS = re.compile(
    r"Unsatisfied version|Federation Runtime|Failed to create module|"
    r"shared module|No satisfying version|RUNTIME-0|Available versions|"
    r"module-federation|remoteEntry"
)
WIDGET_ERRORS = ("Error displaying widget", "Failed to load model class", "Traceback")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    port = free_port()
    folder = tmp_path_factory.mktemp("voila")
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
            "--board-db",
            str(folder / "board.sqlite3"),
            "--offline",
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
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(
                    f"Voilà did not start: {(folder / 'voila.log').read_text()}"
                )
            time.sleep(0.5)
    yield url
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class AppPage:
    """One app opened in a fresh page, with what the page requested and logged."""

    def __init__(self, browser, base_url: str, notebook: str) -> None:
        self.base_url = base_url
        self.page = browser.new_page(viewport={"width": 1280, "height": 1200})
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", lambda socket_: self.requests.append(socket_.url))
        self.page.on(
            "console", lambda message: self.console.append((message.type, message.text))
        )
        self.page.on(
            "pageerror", lambda error: self.console.append(("pageerror", str(error)))
        )
        self.page.goto(
            f"{base_url}/voila/render/{notebook}.ipynb", timeout=RENDER_TIMEOUT_MS
        )
        self.page.wait_for_selector(".dq-app", timeout=RENDER_TIMEOUT_MS)

    def external_requests(self) -> list[str]:
        allowed = (
            self.base_url,
            self.base_url.replace("http://", "ws://"),
            "data:",
            "blob:",
        )
        return [url for url in self.requests if not url.startswith(allowed)]

    def errors(self) -> list[str]:
        return [
            text
            for kind, text in self.console
            if kind in ("error", "pageerror") and not HARMLESS.search(text)
        ]

    def check_clean(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        text = self.page.inner_text("body")
        for marker in WIDGET_ERRORS:
            assert marker not in text, marker
        assert self.errors() == []
        assert self.external_requests() == []
        source = self.page.content()
        assert "cdn.jsdelivr.net" not in source
        assert "cdnjs.cloudflare.com" not in source
        assert self.page.get_attribute("html", "lang") == "fr"


def test_licences_app(voila_url, browser):
    app = AppPage(browser, voila_url, "licences")
    page = app.page
    page.select_option(
        ".dq-datasets select", label=get_dataset("quartiers-quebec").title_fr
    )
    page.wait_for_function(
        "() => document.querySelector('.dq-credits textarea').value.includes('Ville de Québec')"
    )
    assert "Licence : CC BY 4.0" in page.input_value(".dq-credits textarea")
    page.select_option(".dq-target select", label=find_licence("cc0").title("fr"))
    page.wait_for_selector(".dq-compatibility [data-verdict='no']")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Licences and attribution")
    page.wait_for_function(
        "() => document.querySelector('.dq-credits textarea').value.includes('Québec City')"
    )
    app.check_clean("licences")
    page.close()


def test_quality_app(voila_url, browser):
    app = AppPage(browser, voila_url, "qualite")
    page = app.page
    page.select_option(
        ".dq-dataset select", label=get_dataset("urgences-msss").title_fr
    )
    page.click(".dq-run button, button.dq-run")
    page.wait_for_selector(".dq-quality-card .dq-card", timeout=RENDER_TIMEOUT_MS)
    assert "115 lignes" in page.inner_text(".dq-quality-card")
    families = page.evaluate(
        "() => Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Font Awesome" in family for family in families)
    app.check_clean("qualite")
    page.close()


def test_chart_app(voila_url, browser):
    app = AppPage(browser, voila_url, "graphiques")
    page = app.page
    page.select_option(
        ".dq-dataset select", label=get_dataset("aide-sociale-adultes-2024-12").title_fr
    )
    page.wait_for_function(
        "() => document.querySelector('.dq-alt-text').innerText.includes('Femmes') ||"
        " document.querySelector('.dq-alt-text').innerText.includes('Somme')",
        timeout=RENDER_TIMEOUT_MS,
    )
    before = page.inner_text(".dq-alt-text")
    page.select_option(".dq-aggregate select", label=AGGREGATION_NAMES["count"][0])
    page.wait_for_function(
        "() => document.querySelector('.dq-alt-text').innerText.includes('Nombre de lignes')",
        timeout=RENDER_TIMEOUT_MS,
    )
    # Each output widget syncs on its own, so wait for the code too.
    page.wait_for_function(
        "() => document.querySelector('.dq-code textarea').value.includes('nombre_de_lignes')",
        timeout=RENDER_TIMEOUT_MS,
    )
    assert page.inner_text(".dq-alt-text") != before
    assert page.locator(".dq-chart svg").count() == 1
    assert page.input_value(".dq-code textarea").startswith("import altair")
    app.check_clean("graphiques")
    page.close()


def test_board_app(voila_url, browser):
    app = AppPage(browser, voila_url, "besoins")
    page = app.page
    hostile = '<img src=x onerror="window.__pwned=1"> Horaires des bibliothèques'
    page.fill(".dq-voter input", "alice")
    page.fill(".dq-need-title input", hostile)
    page.fill(".dq-need-reason textarea", "'); DROP TABLE requests; --")
    page.get_by_role("button", name="Proposer").click()
    page.wait_for_selector(".dq-request", timeout=RENDER_TIMEOUT_MS)
    assert hostile in page.inner_text(".dq-request")
    assert page.evaluate("() => window.__pwned") is None
    page.get_by_role("button", name=re.compile(r"Voter \(0\)")).click()
    page.wait_for_selector("button:has-text('Voter (1)')", timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_role("button", name=re.compile(r"Voter \(1\)")).is_disabled()
    app.check_clean("besoins")
    page.close()


def test_catalogue_app(voila_url, browser):
    app = AppPage(browser, voila_url, "catalogue")
    page = app.page
    page.wait_for_selector(".dq-summary:has-text('page 1')", timeout=RENDER_TIMEOUT_MS)
    before = page.inner_text(".dq-results")
    assert "réplique" in page.inner_text(".dq-source")
    page.fill(".dq-keywords input", "vélo")
    page.click("button.dq-search")
    page.wait_for_selector(
        ".dq-summary:has-text('1 jeu(x)')", timeout=RENDER_TIMEOUT_MS
    )
    select_option_matching(page, ".dq-resource select", "2019")
    page.wait_for_selector(".dq-preview:has-text('35040')", timeout=RENDER_TIMEOUT_MS)
    assert page.inner_text(".dq-results") != before
    assert page.locator(".dq-preview table").count() == 1
    app.check_clean("catalogue")
    page.close()


def test_api_app(voila_url, browser):
    app = AppPage(browser, voila_url, "api")
    page = app.page
    page.wait_for_function(
        "() => document.querySelector('.dq-curl textarea').value.startsWith('curl')",
        timeout=RENDER_TIMEOUT_MS,
    )
    page.click("button.dq-run")
    page.wait_for_selector(
        ".dq-status:has-text('page 1 sur')", timeout=RENDER_TIMEOUT_MS
    )
    first = page.inner_text(".dq-table-output")
    page.click("button.dq-next")
    page.wait_for_selector(
        ".dq-status:has-text('page 2 sur')", timeout=RENDER_TIMEOUT_MS
    )
    page.wait_for_function(
        "() => document.querySelector('.dq-curl textarea').value.includes('offset=5')",
        timeout=RENDER_TIMEOUT_MS,
    )
    assert page.inner_text(".dq-table-output") != first
    assert '"records"' in page.input_value(".dq-json textarea")
    app.check_clean("api")
    page.close()


def test_map_app(voila_url, browser):
    app = AppPage(browser, voila_url, "carte")
    page = app.page
    page.wait_for_function(
        "() => document.querySelectorAll('.dq-map path').length > 30",
        timeout=RENDER_TIMEOUT_MS,
    )
    select_option_matching(page, ".dq-pair select", "POINT_X")
    page.wait_for_selector(
        ".dq-detection:has-text('MTM zone 8')", timeout=RENDER_TIMEOUT_MS
    )
    select_option_matching(page, ".dq-pair select", "^LAT, LONG")
    page.wait_for_selector(
        ".dq-detection [data-kind='latlon'], .dq-detection div[data-kind='latlon']",
        timeout=RENDER_TIMEOUT_MS,
    )
    before = page.locator(".dq-map path").count()
    select_option_matching(page, ".dq-dataset select", "Québec")
    page.wait_for_function(
        f"() => document.querySelectorAll('.dq-map path').length !== {before}",
        timeout=RENDER_TIMEOUT_MS,
    )
    assert page.locator(".dq-map .leaflet-tile").count() == 0
    app.check_clean("carte")
    page.close()


def test_landing_page(voila_url, browser):
    app = AppPage(browser, voila_url, "index")
    page = app.page
    page.wait_for_selector(".dq-card-app img", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.dq-card-app img'))"
        ".every(image => image.complete && image.naturalWidth > 0)",
        timeout=RENDER_TIMEOUT_MS,
    )
    assert page.locator(".dq-card-app").count() == len(APPS)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector(f"text={APPS[0].title_en}", timeout=RENDER_TIMEOUT_MS)
    app.check_clean("index")
    page.close()
