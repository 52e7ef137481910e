"""A JupyterHub class on 127.0.0.1 for the end-to-end test: hub, users, assignments.

The hub runs deploy/jupyterhub_config.py unchanged; the test only sets the
environment variables an institution would set. Every process the hub starts
(proxy, single-user servers, formgrader service) is recorded by pid while it
runs, so :meth:`Hub.stop` can end each of them even if the hub dies first.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import requests

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROXY_VERSION = "5.3.0"
PROXY_FOLDER = ROOT / ".cache" / "hub-test"
PASSWORD = "classe-de-test-2026"
INFINITE_LOOP = "while True:\n    pass\n"


class SetupError(RuntimeError):
    """The machine lacks something the class test needs (node, npm, the proxy)."""


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proxy_command() -> Path:
    """Install configurable-http-proxy with npm (once) and return its executable.

    Raises
    ------
    SetupError
        If node or npm is missing, or npm cannot install the package.
    """
    executable = PROXY_FOLDER / "node_modules" / ".bin" / "configurable-http-proxy"
    if executable.exists():
        return executable
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise SetupError(
                f"{tool} is not installed: the hub needs configurable-http-proxy "
                "from npm (apt-get install -y nodejs npm)."
            )
    PROXY_FOLDER.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            str(PROXY_FOLDER),
            f"configurable-http-proxy@{PROXY_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0 or not executable.exists():
        raise SetupError(
            f"npm could not install configurable-http-proxy@{PROXY_VERSION} "
            f"(exit code {completed.returncode}): {completed.stderr.strip()[-500:]}"
        )
    return executable


@dataclass
class Hub:
    """A JupyterHub started from deploy/jupyterhub_config.py in ``folder``."""

    folder: Path
    course_id: str
    roster: dict[str, list[str]]
    autograde_timeout: int = 10
    pythonpath: str = str(ROOT)
    extra_environment: dict[str, str] = field(default_factory=dict)
    url: str = ""
    api_url: str = ""
    formgrader_url: str = ""
    process: subprocess.Popen | None = None
    children: dict[int, float] = field(default_factory=dict)

    @property
    def course_dir(self) -> Path:
        return self.folder / "grader" / self.course_id

    @property
    def exchange(self) -> Path:
        return self.folder / "exchange"

    def home(self, username: str) -> Path:
        return self.folder / "homes" / username

    def environment(self) -> dict[str, str]:
        """Return the hub's environment: what an institution sets, with test values."""
        public_port, api_port, proxy_port, formgrader_port = (
            free_port() for _ in range(4)
        )
        self.url = f"http://127.0.0.1:{public_port}"
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.formgrader_url = f"http://127.0.0.1:{formgrader_port}"
        environment = dict(os.environ)
        snapshot = ROOT.parent / "shared" / "portal-snapshot"
        if "DONNEESQC_MIRROR" not in environment and snapshot.is_dir():
            environment["DONNEESQC_MIRROR"] = str(snapshot)
        environment.update(
            {
                "DONNEESQC_HUB_BIND_URL": self.url,
                "DONNEESQC_HUB_API_URL": self.api_url,
                "DONNEESQC_HUB_PROXY_API_URL": f"http://127.0.0.1:{proxy_port}",
                "DONNEESQC_HUB_PROXY_COMMAND": str(proxy_command()),
                "DONNEESQC_HUB_STATE_DIR": str(self.folder / "state"),
                "DONNEESQC_HUB_AUTHENTICATOR": "shared-password",
                "DONNEESQC_HUB_SHARED_PASSWORD": PASSWORD,
                "DONNEESQC_HUB_SPAWNER": "simple",
                "DONNEESQC_HUB_HOME_TEMPLATE": str(
                    self.folder / "homes" / "{username}"
                ),
                "DONNEESQC_HUB_ALLOW_ROOT": "1",
                "DONNEESQC_SINGLEUSER_CMD": str(
                    Path(sys.executable).parent / "jupyterhub-singleuser"
                ),
                "DONNEESQC_COURSE_ID": self.course_id,
                "DONNEESQC_COURSE_DIR": str(self.course_dir),
                "DONNEESQC_EXCHANGE": str(self.exchange),
                "DONNEESQC_FORMGRADER_URL": self.formgrader_url,
                "DONNEESQC_AUTOGRADE_TIMEOUT": str(self.autograde_timeout),
                "PYTHONPATH": self.pythonpath,
            }
        )
        for group, names in self.roster.items():
            environment[f"DONNEESQC_{group.upper()}"] = ",".join(names)
        environment.update(self.extra_environment)
        return environment

    def start(self, timeout: float = 90) -> None:
        """Start the hub and wait until its API responds."""
        (self.folder / "state").mkdir(parents=True, exist_ok=True)
        environment = self.environment()
        log = open(self.folder / "hub.log", "wb")  # noqa: SIM115 (closed by stop())
        self._log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterhub",
                "-f",
                str(DEPLOY / "jupyterhub_config.py"),
            ],
            cwd=self.folder / "state",
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_for(
            lambda: requests.get(f"{self.url}/hub/api", timeout=5).ok,
            timeout,
            "the hub API",
        )
        self.record_children()

    def wait_for(self, check, timeout: float, what: str) -> None:
        """Call ``check`` until it returns true; raise TimeoutError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self.record_children()
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"The hub exited with code {self.process.returncode} while waiting "
                    f"for {what}; its log is {self.folder / 'hub.log'}."
                )
            try:
                if check():
                    return
            except requests.RequestException as error:
                last_error = error
            time.sleep(0.5)
        raise TimeoutError(
            f"Timed out after {timeout:.0f} s waiting for {what} (last error: "
            f"{last_error}); the hub log is {self.folder / 'hub.log'}."
        )

    def record_children(self) -> None:
        """Remember the pid and start time of every process the hub started."""
        if self.process is None:
            return
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            try:
                self.children[child.pid] = child.create_time()
            except psutil.NoSuchProcess:
                continue

    def stop(self, grace: float = 20) -> None:
        """Stop the hub, then end any process it started that is still running."""
        self.record_children()
        self._record_proxy()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "The hub did not stop in %s s; killing pid %s",
                    grace,
                    self.process.pid,
                )
                self.process.kill()
                self.process.wait(timeout=10)
        for pid, started in self.children.items():
            _end_process(pid, started)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def _record_proxy(self) -> None:
        # The proxy outlives a hub that fails during its start; its pid file
        # is the only record of it then.
        pid_file = self.folder / "state" / "jupyterhub-proxy.pid"
        try:
            pid = int(pid_file.read_text().strip())
            process = psutil.Process(pid)
            if "configurable-http-proxy" in " ".join(process.cmdline()):
                self.children[pid] = process.create_time()
        except (OSError, ValueError, psutil.Error):
            return


def _end_process(pid: int, started: float) -> None:
    """End ``pid`` if it is still the process that started at ``started``."""
    try:
        process = psutil.Process(pid)
        if process.create_time() != started:
            return
        process.terminate()
        process.wait(timeout=10)
    except psutil.TimeoutExpired:
        process.kill()
    except psutil.NoSuchProcess:
        return


class UserSession:
    """A browser-like session of one hub user: login cookie, then XSRF headers."""

    def __init__(self, hub: Hub, username: str) -> None:
        self.hub = hub
        self.username = username
        self.http = requests.Session()

    def login(self) -> requests.Response:
        """Log in through the /hub/login form, as a browser does; return the response."""
        self.http.get(f"{self.hub.url}/hub/login", timeout=30)
        return self.http.post(
            f"{self.hub.url}/hub/login",
            data={
                "username": self.username,
                "password": PASSWORD,
                "_xsrf": self._xsrf("/hub/"),
            },
            allow_redirects=False,
            timeout=30,
        )

    def open_server(self, timeout: float = 120) -> None:
        """Ask the hub for the user's server and wait until it responds."""
        self.http.get(f"{self.hub.url}/hub/spawn", timeout=60)

        # A page, not an API path: only pages redirect to the hub's OAuth
        # login, which sets the server's cookies (session and _xsrf).
        def ready() -> bool:
            response = self.http.get(self.server_url("lab"), timeout=60)
            return response.ok and response.url == self.server_url("lab")

        self.hub.wait_for(ready, timeout, f"the server of {self.username}")

    def server_url(self, path: str) -> str:
        return f"{self.hub.url}/user/{self.username}/{path}"

    def service_url(self, path: str) -> str:
        return f"{self.hub.url}/services/{self.hub.course_id}/{path}"

    def _xsrf(self, path: str) -> str:
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path.rstrip("/") == path.rstrip("/"):
                return cookie.value
        return ""

    def call(self, method: str, url: str, **kwargs) -> requests.Response:
        """Send a request with the XSRF header of the page's server."""
        path = "/" + url.split("/", 3)[3]
        prefix = "/".join(path.split("/")[:3]) + "/"
        headers = kwargs.pop("headers", {})
        headers["X-XSRFToken"] = self._xsrf(prefix)
        kwargs.setdefault("timeout", 120)
        return self.http.request(method, url, headers=headers, **kwargs)

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers["X-XSRFToken"] = self._xsrf("/hub/")
        return self.http.request(
            method,
            f"{self.hub.url}/hub/api/{path}",
            headers=headers,
            timeout=30,
            **kwargs,
        )


# ---------------------------------------------------------------------------
# Assignments


@dataclass
class Assignment:
    """An nbgrader source assignment, as the instructor wrote it."""

    assignment_id: str
    folder: Path

    def notebooks(self) -> dict[str, nbformat.NotebookNode]:
        return {
            path.name: nbformat.read(path, as_version=4)
            for path in sorted(self.folder.glob("*.ipynb"))
        }


def tiny_assignment(folder: Path) -> Assignment:
    """Write a three-question assignment (1, 2 and 3 points) into ``folder``."""
    questions = [
        (
            "carre",
            1,
            "def carre(x):\n    return x * x\n",
            "assert carre(3) == 9\nassert carre(-2) == 4\n",
        ),
        (
            "moyenne",
            2,
            "def moyenne(valeurs):\n    return sum(valeurs) / len(valeurs)\n",
            "assert moyenne([1, 2, 3]) == 2\nassert moyenne([5]) == 5\n",
        ),
        (
            "total_pairs",
            3,
            "def total_pairs(valeurs):\n    return sum(v for v in valeurs if v % 2 == 0)\n",
            "assert total_pairs([1, 2, 3, 4]) == 6\nassert total_pairs([]) == 0\n",
        ),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Exercice d'essai"))
    for name, points, solution, test in questions:
        answer = nbformat.v4.new_code_cell(
            "### BEGIN SOLUTION\n" + solution + "### END SOLUTION\n"
        )
        answer.metadata["nbgrader"] = {
            "grade": False,
            "grade_id": f"{name}-reponse",
            "locked": False,
            "schema_version": 3,
            "solution": True,
            "task": False,
        }
        check = nbformat.v4.new_code_cell(test)
        check.metadata["nbgrader"] = {
            "grade": True,
            "grade_id": f"{name}-test",
            "locked": True,
            "points": points,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        notebook.cells += [answer, check]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "essai.ipynb")
    return Assignment(folder.name, folder)


def course_assignment(source: Path) -> Assignment | None:
    """Return the first assignment of the course's exercises/source, or None."""
    if not source.is_dir():
        return None
    folders = sorted(path for path in source.iterdir() if list(path.glob("*.ipynb")))
    if not folders:
        return None
    return Assignment(folders[0].name, folders[0])


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_code(source: str) -> str:
    """Return the solution of a source cell without nbgrader's markers."""
    lines = [
        line
        for line in source.splitlines()
        if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    ]
    return "\n".join(lines) + "\n"


def last_solution_id(notebook) -> str:
    """Return the grade id of the last code solution cell (not a manually graded one)."""
    answers = [
        _nbgrader(cell)["grade_id"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        and _nbgrader(cell).get("solution")
        and not _nbgrader(cell).get("grade")
    ]
    return answers[-1]


def tests_after(notebook, answer_id: str) -> set[str]:
    """Return the autograded test cells between ``answer_id`` and the next solution cell."""
    found = False
    tests: set[str] = set()
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if meta.get("grade_id") == answer_id:
            found = True
            continue
        if found and meta.get("solution"):
            break
        if found and meta.get("grade") and not meta.get("solution"):
            tests.add(meta["grade_id"])
    return tests


def autograded_points(notebook) -> dict[str, float]:
    """Return the points of each autograded test cell of a source notebook."""
    return {
        _nbgrader(cell)["grade_id"]: float(_nbgrader(cell).get("points", 0))
        for cell in notebook.cells
        if _nbgrader(cell).get("grade") and not _nbgrader(cell).get("solution")
    }


def answer(released: dict, source, kind: str) -> dict:
    """Return the released notebook model ``released`` answered as ``kind``.

    ``full`` puts the instructor's solution in every answer cell; ``partial``
    leaves the last answer unanswered; ``loop`` puts an infinite loop in it.
    """
    solutions = {
        _nbgrader(cell)["grade_id"]: solution_code(cell.source)
        for cell in source.cells
        if _nbgrader(cell).get("solution")
    }
    broken = last_solution_id(source)
    model = json.loads(json.dumps(released))
    for cell in model["content"]["cells"]:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id not in solutions:
            continue
        if grade_id == broken and kind == "partial":
            continue
        if grade_id == broken and kind == "loop":
            cell["source"] = INFINITE_LOOP
            continue
        cell["source"] = solutions[grade_id]
    return model


def expected_scores(source, kind: str) -> dict[str, float]:
    """Return the expected score of each autograded test cell for ``kind``."""
    points = autograded_points(source)
    if kind == "full":
        return points
    failing = tests_after(source, last_solution_id(source))
    return {name: (0.0 if name in failing else value) for name, value in points.items()}


def error_names(path: Path, grade_id: str) -> list[str]:
    """Return the error names in the outputs of cell ``grade_id`` of a notebook file."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if _nbgrader(cell).get("grade_id") == grade_id:
            return [output.get("ename", "") for output in cell.get("outputs", [])]
    return []


# ---------------------------------------------------------------------------
# The formgrader of deploy/z2jh/formgrader.yaml, run on this machine

IMAGE_JUPYTER_CONFIG = "/etc/donneesqc/jupyter"


def manifest_container(path: Path) -> dict:
    """Return the formgrader container of the Deployment in ``path``."""
    import yaml

    for document in yaml.safe_load_all(path.read_text("utf-8")):
        if document and document.get("kind") == "Deployment":
            return document["spec"]["template"]["spec"]["containers"][0]
    raise LookupError(f"No Deployment in {path}.")


def external_formgrader_environment(hub: Hub, container: dict, token: str) -> dict:
    """Return the container's environment, with this machine's addresses and folders.

    Only values that name a Kubernetes address or a folder of the image
    change. The service name, prefix, OAuth client and course id stay the
    manifest's own.
    """
    local = {
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_API_URL": f"{hub.api_url}/hub/api",
        "JUPYTERHUB_SERVICE_URL": hub.formgrader_url,
        "DONNEESQC_COURSE_DIR": str(hub.course_dir),
        "DONNEESQC_EXCHANGE": str(hub.exchange),
    }
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]
    )
    environment["PYTHONPATH"] = hub.pythonpath
    environment.pop("DONNEESQC_MIRROR", None)
    for item in container["env"]:
        name = item["name"]
        if name in local:
            environment[name] = local[name]
        elif name == "DONNEESQC_MIRROR":
            continue
        else:
            environment[name] = item["value"].replace(
                IMAGE_JUPYTER_CONFIG, str(DEPLOY / "jupyter")
            )
    return environment


def start_external_formgrader(hub: Hub, manifest: Path, token: str) -> subprocess.Popen:
    """Start the formgrader of ``manifest`` against ``hub``, as root, logging to the hub log."""
    container = manifest_container(manifest)
    command = [
        str(Path(sys.executable).parent / container["command"][0]),
        *container["command"][1:],
        "--allow-root",
    ]
    log = open(hub.folder / "formgrader.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        command,
        cwd=hub.course_dir.parent,
        env=external_formgrader_environment(hub, container, token),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def stop_process(process: subprocess.Popen, grace: float = 20) -> None:
    """Stop ``process`` by its pid: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
