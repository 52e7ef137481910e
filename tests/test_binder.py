"""Binder's build and launch, played on this machine without Docker.

The fixtures repeat what mybinder.org does with this repository:

1. copy the repository's files (``git ls-files``) into a fresh folder, as
   Binder clones it;
2. create a virtual environment with the Python that runs pytest, which
   must be 3.11 because ``runtime.txt`` requests 3.11 from Binder, and
   ``pip install -r requirements.txt`` into it;
3. run ``postBuild`` with that environment's Python;
4. start ``jupyter lab`` from that environment on a free port of 127.0.0.1,
   with an empty HOME and empty Jupyter user folders as in a new Binder
   session, and stop it by its pid at the end.

The tests then use the server as a learner would: through headless chromium,
and through a kernel of the new environment.

Step 2 takes about two minutes with PyPI reachable. The environment is
therefore cached in ``.pytest_cache/d/binder-venv/<key>``, where the key is a
hash of requirements.txt, runtime.txt and postBuild: a rerun with the same
files skips the pip install, a change to one of them builds a new environment
and deletes the older ones. ``postBuild`` runs on every session all the same.
``pytest --cache-clear`` forces a fresh build. To install from a folder of
wheels instead of PyPI, set ``DONNEESQC_WHEELHOUSE`` to that folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import pytest
import requests
import yaml

from tests.browser import chromium_page, save_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "portal-snapshot"


def _first_lesson() -> str:
    """Return the source of the first chapter of the French table of contents."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text("utf-8"))
    return f"book/fr/{toc['parts'][0]['chapters'][0]['file']}.md"


LESSON = _first_lesson()
APPS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
# Text that Voilà or ipywidgets show in the page when an app fails.
APP_ERRORS = ("Error displaying widget", "Failed to load model class", "Traceback")
# Files whose content decides which cached environment a session reuses.
# NOTE: widgets/labconfig.py is left out so that editing it does not cost a
# new pip install; postBuild reruns it on every session, but a setting it
# stops writing stays in a cached environment until pytest --cache-clear.
BINDER_FILES = ("requirements.txt", "runtime.txt", "postBuild")
PIP_TIMEOUT_SECONDS = 1500
POSTBUILD_TIMEOUT_SECONDS = 300
SERVER_START_SECONDS = 120
KERNEL_RUN_SECONDS = 600
APP_RENDER_MS = 180_000
# Files that postBuild writes in the environment; a second run must leave them as they are.
POSTBUILD_OUTPUTS = (
    "share/jupyter/lab/settings/overrides.json",
    "etc/jupyter/labconfig/page_config.json",
    "etc/jupyter/voila.json",
    "etc/jupyter/jupyter_server_config.json",
    "share/jupyter/voila/templates/donneesqc/conf.json",
)
PROMPT_DONE = re.compile(r"^\[\d+\]:$")
# True once "run all" is over: no cell waits or runs, and either every cell
# has an execution count or one raised (JupyterLab then clears the queue).
RUN_FINISHED = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
    .map((node) => node.textContent.trim());
  const outputs = [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
    .map((node) => node.textContent);
  if (prompts.length === 0 || prompts.includes('[*]:')) return false;
  return prompts.every((text) => /^\\[\\d+\\]:$/.test(text))
    || outputs.some((text) => text.includes('Traceback'));
}"""


# -- Binder's build ---------------------------------------------------------


@pytest.fixture(scope="module")
def binder_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copy the repository's tracked and new files into a fresh folder, as Binder clones it."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    target = tmp_path_factory.mktemp("binder") / "repo"
    for name in filter(None, listing.stdout.decode("utf-8").split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    return target


@pytest.fixture(scope="module")
def binder_venv(
    binder_repo: Path,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """Return a virtual environment with requirements.txt installed and postBuild run."""
    if sys.version_info[:2] != (3, 11):
        pytest.skip(
            f"runtime.txt asks for Python 3.11; this is {sys.version.split()[0]}"
        )
    key = _environment_key(binder_repo)
    cache = getattr(request.config, "cache", None)
    if cache is None:
        # pytest ran with -p no:cacheprovider: build in pytest's temporary folder.
        cache_root = tmp_path_factory.mktemp("binder-venv")
    else:
        cache_root = cache.mkdir("binder-venv")
    venv = cache_root / key
    if not (venv / ".complete").exists():
        for old in cache_root.iterdir():
            shutil.rmtree(old, ignore_errors=True)
        _create_environment(venv, binder_repo / "requirements.txt")
        (venv / ".complete").write_text(key + "\n", "utf-8")
    _run_postbuild(venv, binder_repo)
    return venv


@pytest.fixture(scope="module")
def session_env(binder_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Return the environment variables of a new Binder session using ``binder_venv``.

    Variables that would point Python or Jupyter at this machine's own
    installs are dropped, and HOME is an empty folder. The course's data
    settings (DONNEESQC_*) are kept, with the course snapshot as the mirror
    when none is set.
    """
    home = tmp_path_factory.mktemp("home")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "JUPYTER", "IPYTHON", "VIRTUAL_ENV", "CONDA"))
    }
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(binder_venv / "bin"), env.get("PATH", "")])
    env["PYTHONNOUSERSITE"] = "1"
    if not env.get("DONNEESQC_MIRROR") and (SNAPSHOT / "MANIFEST.md").exists():
        env["DONNEESQC_MIRROR"] = str(SNAPSHOT)
    env.setdefault("DONNEESQC_STRICT", "1")
    _write_test_user_settings(home)
    return env


@pytest.fixture(scope="module")
def lab_server(
    binder_venv: Path, binder_repo: Path, session_env: dict, tmp_path_factory
):
    """Start JupyterLab from the Binder environment on 127.0.0.1; yield its URL and token."""
    port = _free_port()
    token = secrets.token_hex(16)
    log_path = tmp_path_factory.mktemp("server") / "jupyter.log"
    command = [
        str(binder_venv / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={binder_repo}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=binder_repo, env=session_env, stdout=log, stderr=log
        )
    try:
        _wait_for_server(url, token, process, log_path)
        yield {"url": url, "token": token, "log": log_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- tests ------------------------------------------------------------------


def test_postbuild_rerun_changes_nothing(binder_venv, binder_repo):
    before = _read_outputs(binder_venv)
    _run_postbuild(binder_venv, binder_repo)
    after = _read_outputs(binder_venv)
    assert after == before


def test_lab_interface_french(lab_server):
    with chromium_page() as (page, _errors, hosts):
        page.goto(f"{lab_server['url']}/lab?token={lab_server['token']}")
        page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        save_screenshot(page, "binder-lab-french")
    assert "Fichier" in menus
    assert "File" not in menus
    assert hosts == {"127.0.0.1"}


def test_lesson_opens_and_runs_in_lab(lab_server, binder_repo):
    expected_cells = _code_cell_count(binder_repo / LESSON)
    base = lab_server["url"]
    with chromium_page() as (page, _errors, _hosts):
        page.goto(f"{base}/lab/tree/{LESSON}?token={lab_server['token']}")
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=60_000)
        opened_cells = _settled_count(page, ".jp-NotebookPanel .jp-CodeCell")
        _wait_session_kernel_idle(lab_server, LESSON)
        _click_menu(page, "Exécution", "Exécuter toutes les cellules")
        page.wait_for_function(RUN_FINISHED, timeout=KERNEL_RUN_SECONDS * 1_000)
        prompts = page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt")
        prompt_texts = [text.strip() for text in prompts.all_inner_texts()]
        outputs = page.locator(
            ".jp-NotebookPanel .jp-OutputArea-output"
        ).all_inner_texts()
        save_screenshot(page, "binder-lesson-run")
    tracebacks = [text for text in outputs if "Traceback" in text]
    assert opened_cells == expected_cells
    assert tracebacks == []
    assert [text for text in prompt_texts if not PROMPT_DONE.match(text)] == []


def test_lesson_runs_with_nbclient(binder_venv, binder_repo, session_env):
    script = (
        "import sys, jupytext, nbclient\n"
        "path = sys.argv[1]\n"
        "notebook = jupytext.read(path)\n"
        "client = nbclient.NotebookClient(notebook, kernel_name='python3', timeout=300,"
        " resources={'metadata': {'path': sys.argv[2]}})\n"
        "client.execute()\n"
        "print(sum(1 for cell in notebook.cells if cell.cell_type == 'code'), 'cells ran')\n"
    )
    lesson = binder_repo / LESSON
    completed = subprocess.run(
        [
            str(binder_venv / "bin" / "python"),
            "-c",
            script,
            str(lesson),
            str(lesson.parent),
        ],
        env=session_env,
        capture_output=True,
        text=True,
        timeout=KERNEL_RUN_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]


@pytest.mark.parametrize("app", APPS)
def test_voila_app_renders(lab_server, app):
    base = lab_server["url"]
    with chromium_page() as (page, _errors, _hosts):
        # Voilà sends the page once the notebook has run, so loading takes a while.
        page.goto(
            f"{base}/voila/render/notebooks/{app}?token={lab_server['token']}",
            timeout=APP_RENDER_MS,
        )
        page.wait_for_selector(".dq-app", timeout=APP_RENDER_MS)
        text = page.inner_text("body")
        language = page.get_attribute("html", "lang")
        source = page.content()
        save_screenshot(page, f"binder-voila-{Path(app).stem}")
    assert [marker for marker in APP_ERRORS if marker in text] == []
    assert language == "fr"
    # Voilà's stock template links Font Awesome on this CDN; the course's does not.
    assert "cdn.jsdelivr.net" not in source


def test_formgrader_hidden_from_learners(lab_server):
    response = requests.get(
        f"{lab_server['url']}/formgrader",
        headers={"Authorization": f"token {lab_server['token']}"},
        timeout=30,
    )
    assert response.status_code == 404


def test_validate_button_shown(lab_server):
    with chromium_page() as (page, _errors, _hosts):
        page.goto(
            f"{lab_server['url']}/lab/tree/notebooks/{APPS[0]}?token={lab_server['token']}"
        )
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=60_000)
        buttons = page.locator(".jp-NotebookPanel .jp-Toolbar").all_inner_texts()
    assert any("Validate" in text for text in buttons)


# -- helpers ----------------------------------------------------------------


def _environment_key(repo: Path) -> str:
    digest = hashlib.sha256()
    for name in BINDER_FILES:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update((repo / name).read_bytes())
    digest.update(sys.version.encode("utf-8"))
    return digest.hexdigest()[:16]


def _create_environment(venv: Path, requirements: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    wheelhouse = os.environ.get("DONNEESQC_WHEELHOUSE", "").strip()
    if wheelhouse:
        command += ["--no-index", "--find-links", wheelhouse]
    command += ["-r", str(requirements)]
    started = time.monotonic()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_SECONDS,
        check=False,
        env=_pip_env(),
    )
    if completed.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        pytest.fail(
            f"pip install -r requirements.txt failed (exit {completed.returncode}) after "
            f"{time.monotonic() - started:.0f} s:\n{completed.stderr[-4000:]}"
        )


def _pip_env() -> dict:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "VIRTUAL_ENV"))
    }


def _run_postbuild(venv: Path, repo: Path) -> None:
    completed = subprocess.run(
        [str(venv / "bin" / "python"), str(repo / "postBuild")],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=POSTBUILD_TIMEOUT_SECONDS,
        check=False,
        env=_pip_env(),
    )
    assert completed.returncode == 0, (
        completed.stdout[-2000:] + completed.stderr[-4000:]
    )


def _read_outputs(venv: Path) -> dict[str, str]:
    outputs = {name: (venv / name).read_text("utf-8") for name in POSTBUILD_OUTPUTS}
    server_config = venv / "etc" / "jupyter" / "jupyter_server_config.d"
    for path in sorted(server_config.glob("*.json")):
        outputs[str(path.relative_to(venv))] = path.read_text("utf-8")
    return outputs


def _write_test_user_settings(home: Path) -> None:
    """Render every cell of a notebook, so the test can read all prompts.

    JupyterLab 4 renders only the cells near the viewport by default.
    """
    folder = (
        home
        / ".jupyter"
        / "lab"
        / "user-settings"
        / "@jupyterlab"
        / "notebook-extension"
    )
    folder.mkdir(parents=True)
    (folder / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}), "utf-8"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(
    url: str, token: str, process: subprocess.Popen, log: Path
) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"jupyter lab exited with code {process.returncode}:\n"
                + log.read_text("utf-8")[-4000:]
            )
        try:
            response = requests.get(
                f"{url}/api/status",
                headers={"Authorization": f"token {token}"},
                timeout=5,
            )
            if response.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"jupyter lab did not answer on {url} within {SERVER_START_SECONDS} s:\n"
        + log.read_text("utf-8")[-4000:]
    )


def _code_cell_count(path: Path) -> int:
    notebook = jupytext.read(path)
    return sum(1 for cell in notebook.cells if cell.cell_type == "code")


def _settled_count(page, selector: str, seconds: float = 30) -> int:
    """Return how many nodes match ``selector`` once the count stops growing.

    JupyterLab adds a notebook's cells to the page a few at a time.
    """
    count = page.locator(selector).count()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.wait_for_timeout(1_000)
        latest = page.locator(selector).count()
        if latest == count:
            return count
        count = latest
    return count


def _wait_session_kernel_idle(server: dict, path: str) -> None:
    """Wait until the kernel that JupyterLab started for ``path`` is ready.

    Cells run before the kernel is ready are dropped, and the page shows no
    reliable sign of readiness, so this polls the server's sessions API.
    """
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        sessions = requests.get(
            f"{server['url']}/api/sessions",
            headers={"Authorization": f"token {server['token']}"},
            timeout=10,
        ).json()
        states = [
            session["kernel"]["execution_state"]
            for session in sessions
            if session["path"] == path and session.get("kernel")
        ]
        if "idle" in states:
            return
        time.sleep(0.5)
    pytest.fail(f"no idle kernel for {path} within {SERVER_START_SECONDS} s")


def _click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
    exact = re.compile(f"^{re.escape(item)}$")
    page.locator(".lm-Menu-itemLabel", has_text=exact).click()
