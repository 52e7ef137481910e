"""The API exercise (03-api): its checks, its replica, and grading it in a batch.

The fast tests run the checks of :mod:`widgets.grading_api` against a replica
on 127.0.0.1. The slow ones grade the assignment with nbgrader. The solution
is graded against a replica whose data differ from the course mirror, so no
test can rely on a number only the mirror gives. A learner's run ends with
the self-check. A batch of submissions goes through ``python -m
widgets.instructor grade``, after which no grading process may remain.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from nbclient import NotebookClient

import widgets
from widgets import grading, grading_api
from widgets.fetch import fetch
from widgets.instructor import synthetic
from widgets.instructor.batch import (
    PreflightError,
    _check_api,
    _hidden_test_lines,
    _queried_resources,
)
from widgets.instructor.course import Course
from widgets.instructor.release import check_solution
from widgets.portal import (
    API_VARIABLE,
    PORTAL_API_URL,
    PortalClient,
    PortalUnavailableError,
)
from widgets.replica import Replica, start_replica

PROJECT = Path(widgets.__file__).resolve().parent.parent
ASSIGNMENT = "03-api"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = PROJECT / "exercises" / "source" / ASSIGNMENT / NOTEBOOK
RESOURCE = "19385b4e-5503-4330-9e59-f998f5918363"
REGION = "Gaspésie-Îles-de-la-Madeleine (11)"
PAGE_SIZE = 250
FIELDS = ["mcode", "munnom", "regadm", "mpopul"]
# The replica starts inside each grading kernel: the cell that starts it
# needs a few seconds, more while another worker grades beside it.
CELL_TIMEOUT = 30
MIRROR = os.environ.get("DONNEESQC_MIRROR", "/work/shared/portal-snapshot")


def failure(function, *arguments, **options) -> grading.CheckFailed:
    """Return the CheckFailed raised by ``function``; fail the test if none is."""
    with pytest.raises(grading.CheckFailed) as caught:
        function(*arguments, **options)
    return caught.value


@pytest.fixture(scope="module")
def replica():
    handle = start_replica(datasets=["repertoire-municipalites"])
    yield handle
    handle.stop()


@pytest.fixture()
def client(replica):
    return PortalClient(replica.api_url, retries=0)


def read_pages(client: PortalClient, *, step: int = PAGE_SIZE, extra: int = 0) -> list:
    """Read the directory in pages of PAGE_SIZE rows, advancing the offset by ``step``."""
    total = client.datastore_search(RESOURCE, limit=0).total
    count = math.ceil(total / PAGE_SIZE) + extra
    return [
        client.datastore_search(
            RESOURCE, fields=FIELDS, limit=PAGE_SIZE, offset=index * step
        )
        for index in range(count)
    ]


def test_replica_loads_named_dataset(replica):
    assert list(replica.server.replica.datastore.tables) == [RESOURCE]


def test_replica_keeps_data_dictionary(replica):
    table = replica.server.replica.datastore.tables[RESOURCE]
    assert table.fields[0].info is not None


def test_replica_catalog_lists_all(replica):
    from widgets.ckan_catalog import Catalog

    packages = replica.server.replica.catalog.packages
    assert len(packages) == len(Catalog.from_registry(set()).packages)


def test_api_url_accepts_url_for(client):
    url = client.url_for(
        "datastore_search", resource_id=RESOURCE, filters={"regadm": REGION}
    )
    grading_api.check_api_url(url, client.base_url, "datastore_search", "u")


def test_api_url_rejects_raw_accents(client):
    url = f'{client.base_url}datastore_search?filters={{"regadm": "{REGION}"}}'
    error = failure(
        grading_api.check_api_url, url, client.base_url, "datastore_search", "u"
    )
    assert "%C3%A9" in error.message_en


def test_api_url_rejects_other_action(client):
    url = client.url_for("package_show", id="x")
    error = failure(
        grading_api.check_api_url, url, client.base_url, "datastore_search", "u"
    )
    assert "datastore_search" in error.message_en


def test_api_url_rejects_other_server(client):
    url = PortalClient(PORTAL_API_URL).url_for("datastore_search", resource_id="x")
    failure(grading_api.check_api_url, url, client.base_url, "datastore_search", "u")


def test_json_parameter_accents_hint(client):
    url = client.url_for(
        "datastore_search", filters={"regadm": "Gaspesie-Iles-de-la-Madeleine (11)"}
    )
    error = failure(
        grading_api.check_json_parameter, url, "filters", {"regadm": REGION}, "u"
    )
    assert "accents" in error.message_en


def test_json_parameter_missing_key(client):
    url = client.url_for("datastore_search", filters={"regadm": REGION})
    expected = {"regadm": REGION, "mdes": "Municipalité"}
    error = failure(grading_api.check_json_parameter, url, "filters", expected, "u")
    assert "['mdes']" in error.message_en


def test_json_parameter_invalid_json(client):
    url = client.base_url + "datastore_search?filters=%7Bregadm%7D"
    error = failure(
        grading_api.check_json_parameter, url, "filters", {"regadm": REGION}, "u"
    )
    assert "not valid JSON" in error.message_en


def test_json_parameter_ascii_escapes(client):
    url = client.url_for("datastore_search", filters='{"regadm": "Gasp\\u00e9sie"}')
    grading_api.check_json_parameter(url, "filters", {"regadm": "Gaspésie"}, "u")


def test_pages_complete(client):
    pages = read_pages(client)
    total = client.datastore_search(RESOURCE, limit=0).total
    grading_api.check_pages(pages, PAGE_SIZE, total, "pages")


def test_pages_first_only(client):
    pages = read_pages(client)[:1]
    total = client.datastore_search(RESOURCE, limit=0).total
    error = failure(grading_api.check_pages, pages, PAGE_SIZE, total, "pages")
    assert "Stop the loop when offset reaches total" in error.message_en


def test_pages_empty_page_past_end(client):
    pages = read_pages(client, extra=1)
    total = client.datastore_search(RESOURCE, limit=0).total
    failure(grading_api.check_pages, pages, PAGE_SIZE, total, "pages")


def test_pages_offset_not_advanced(client):
    pages = read_pages(client, step=0)
    total = client.datastore_search(RESOURCE, limit=0).total
    error = failure(grading_api.check_pages, pages, PAGE_SIZE, total, "pages")
    assert "add limit to offset" in error.message_en


def test_pages_wrong_limit(client):
    pages = [client.datastore_search(RESOURCE, limit=32000)]
    error = failure(grading_api.check_pages, pages, PAGE_SIZE, 1, "pages")
    assert "limit=250" in error.message_en


def test_pages_not_results():
    error = failure(grading_api.check_pages, [{"records": []}], PAGE_SIZE, 1, "pages")
    assert "client.datastore_search" in error.message_en


def test_row_count_first_page(client):
    frame = pd.DataFrame(client.datastore_search(RESOURCE).records)
    total = client.datastore_search(RESOURCE, limit=0).total
    error = failure(grading_api.check_row_count, frame, total, "municipalites")
    assert "Read every page" in error.message_en


def test_matches_total_wrong():
    error = failure(grading_api.check_matches_total, 100, 1130, "s")
    assert "total = 1130" in error.message_en


def test_quoted_identifier_missing():
    sql = f"SELECT regadm FROM {RESOURCE}"
    error = failure(grading_api.check_quoted_identifier, sql, RESOURCE, "sql")
    assert "double quotes" in error.message_en


def test_run_sql_rejected_keeps_portal_message(client):
    error = failure(grading_api.run_sql, client, f"SELECT regadm FROM {RESOURCE}", "q")
    assert "syntax error" in error.message_en


def test_run_sql_rows(client):
    frame = grading_api.run_sql(
        client, f'SELECT COUNT(*) AS "n" FROM "{RESOURCE}"', "q"
    )
    assert frame["n"].iloc[0] == client.datastore_search(RESOURCE, limit=0).total


def test_run_sql_unreachable_not_check():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = PortalClient(f"http://127.0.0.1:{port}/api/3/action/", retries=0)
    with pytest.raises(PortalUnavailableError):
        grading_api.run_sql(closed, 'SELECT 1 AS "n"', "q")


def test_queried_resources_finds_directory():
    resources = _queried_resources([SOURCE.read_text("utf-8")])
    assert resources == {RESOURCE: "repertoire-municipalites"}


def test_hidden_lines_skip_visible_import():
    lines = _hidden_test_lines(Course(PROJECT / "exercises"), ASSIGNMENT)
    assert "from widgets.portal import PortalClient as _PortalClient" not in lines


def test_hidden_lines_keep_hidden_only():
    lines = _hidden_test_lines(Course(PROJECT / "exercises"), ASSIGNMENT)
    assert any("datastore_dataframe(" in line for line in lines)


def test_check_api_unset_passes(monkeypatch):
    monkeypatch.delenv(API_VARIABLE, raising=False)
    _check_api(ASSIGNMENT, {RESOURCE: "repertoire-municipalites"})


def test_check_api_closed_port(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(API_VARIABLE, f"http://127.0.0.1:{port}/api/3/action/")
    with pytest.raises(PreflightError, match="unset DONNEESQC_API"):
        _check_api(ASSIGNMENT, {RESOURCE: "repertoire-municipalites"})


def test_check_api_serving_replica(monkeypatch, replica):
    monkeypatch.setenv(API_VARIABLE, replica.api_url)
    _check_api(ASSIGNMENT, {RESOURCE: "repertoire-municipalites"})


# Slow tests: nbgrader and kernels.


@pytest.fixture()
def mirror(monkeypatch):
    monkeypatch.setenv("DONNEESQC_MIRROR", MIRROR)
    monkeypatch.setenv("DONNEESQC_STRICT", "1")


@pytest.fixture()
def altered_replica(monkeypatch):
    """A replica whose directory lost every third row and has other populations."""
    from widgets import datastore

    original = datastore.read_csv_frame

    def altered(dataset):
        frame = original(dataset)
        if dataset.id != "repertoire-municipalites":
            return frame
        frame = frame.iloc[[i for i in range(len(frame)) if i % 3]].copy()
        population = pd.to_numeric(frame["mpopul"], errors="coerce") * 2 + 1
        frame["mpopul"] = population.map(lambda value: f"{value:.0f}")
        return frame

    monkeypatch.setattr(datastore, "read_csv_frame", altered)
    handle = start_replica(replica=Replica.from_registry(["repertoire-municipalites"]))
    yield handle
    handle.stop()


@pytest.mark.slow
def test_solution_altered_server(monkeypatch, mirror, altered_replica, caplog):
    # Hidden tests compare with what the same server returns, so the
    # solution scores full marks on data that differ from the mirror.
    caplog.set_level("DEBUG", logger="widgets.replica")
    monkeypatch.setenv(API_VARIABLE, altered_replica.api_url)
    altered_total = PortalClient().datastore_search(RESOURCE, limit=0).total
    course = Course(PROJECT / "exercises")
    result = check_solution(course, ASSIGNMENT)
    served = [r for r in caplog.records if "offset=500" in r.getMessage()]
    assert altered_total != len(pd.read_csv(fetch("repertoire-municipalites")))
    assert result.failed_cells == []
    assert result.score == result.max_score
    assert served


def portal_reachable() -> bool:
    """Return whether the portal accepts a TCP connection within 3 seconds."""
    try:
        with socket.create_connection(("www.donneesquebec.ca", 443), timeout=3):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.network
def test_solution_real_portal(monkeypatch, mirror):
    if not portal_reachable():
        pytest.skip("www.donneesquebec.ca cannot be reached from this machine")
    monkeypatch.setenv(API_VARIABLE, PORTAL_API_URL)
    result = check_solution(Course(PROJECT / "exercises"), ASSIGNMENT)
    assert result.failed_cells == []


@pytest.fixture(scope="module")
def learner_run(tmp_path_factory) -> nbformat.NotebookNode:
    """The learner's notebook with the solutions, run in a kernel with no DONNEESQC_API."""
    folder = tmp_path_factory.mktemp("learner")
    notebook = synthetic.learner_view(SOURCE)
    path = folder / NOTEBOOK
    nbformat.write(notebook, path)
    saved = {key: os.environ.get(key) for key in (API_VARIABLE, "NBGRADER_EXECUTION")}
    os.environ.pop(API_VARIABLE, None)
    os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        client = NotebookClient(
            notebook,
            timeout=180,
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute(env=_kernel_environment())
    finally:
        for key, value in saved.items():
            if value is not None:
                os.environ[key] = value
    return notebook


def _kernel_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != API_VARIABLE}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PROJECT), env.get("PYTHONPATH", "")])
    )
    env["DONNEESQC_MIRROR"] = MIRROR
    env["DONNEESQC_LANG"] = "fr"
    return env


def _stream_text(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []))


@pytest.mark.slow
def test_learner_first_cell_says_replica(learner_run):
    first_code = next(cell for cell in learner_run.cells if cell.cell_type == "code")
    assert "réplique hors ligne démarrée sur http://127.0.0.1:" in _stream_text(
        first_code
    )


@pytest.mark.slow
def test_learner_no_errors(learner_run):
    errors = [
        output.get("ename")
        for cell in learner_run.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_learner_verifier_all_visible(learner_run):
    # The self-check kernel inherits DONNEESQC_API from the learner's kernel
    # and queries the replica that kernel started.
    last = learner_run.cells[-1]
    assert "Tests visibles : 7 / 7 points." in _stream_text(last)


# The batch: submissions of several kinds graded by the instructor command.

SUBMISSIONS = {
    "correct": {},
    "premiere-page": {
        "q2-boucle": (
            "pages = [client.datastore_search(RESSOURCE, fields=['mcode', 'munnom', "
            "'regadm', 'mpopul'], limit=TAILLE_PAGE)]\n"
            "municipalites = pd.DataFrame(pages[0].records)"
        ),
    },
    "sans-accents": {
        "q1-filtre": (
            "filtres = {'regadm': 'Gaspesie-Iles-de-la-Madeleine (11)', "
            "'mdes': 'Municipalite'}\n"
            "adresse_filtre = client.url_for('datastore_search', "
            "resource_id=RESSOURCE, filters=filtres)\n"
            "total_filtre = client.datastore_search(RESSOURCE, filters=filtres, "
            "limit=0).total"
        ),
    },
    "sql-sans-guillemets": {
        "q4-sql": (
            "requete_sql = 'SELECT regadm, COUNT(*) AS villes, SUM(mpopul) AS "
            f"population FROM {RESOURCE} GROUP BY regadm'\n"
            "resultat_sql = client.datastore_search_sql(requete_sql).to_dataframe()"
        ),
    },
    "boucle-sans-fin": {"q2-boucle": "while True:\n    pass"},
}


def _course_copy(root: Path) -> Course:
    root.mkdir(parents=True)
    shutil.copy2(
        PROJECT / "exercises" / "nbgrader_config.py", root / "nbgrader_config.py"
    )
    (root / "source").mkdir()
    shutil.copytree(
        PROJECT / "exercises" / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT
    )
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    return Course(root)


def _run_instructor(course: Course, *arguments: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != API_VARIABLE}
    env.update(PYTHONPATH=str(PROJECT), DONNEESQC_MIRROR=MIRROR, DONNEESQC_STRICT="1")
    command = [sys.executable, "-m", "widgets.instructor", "--course"]
    command += [str(course.root), *arguments]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=1200, check=False
    )


def _processes_inside(root: Path) -> list[str]:
    """Return the processes whose working folder or command line is inside ``root``."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            cwd = process.cwd()
        except (psutil.Error, OSError):
            continue
        command = " ".join(process.info["cmdline"] or [])
        if cwd.startswith(str(root)) or str(root) in command:
            found.append(f"{process.info['pid']}: {command[:200]}")
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The submissions graded by ``grade`` with two workers; returns (course, leftovers)."""
    root = tmp_path_factory.mktemp("api-batch")
    course = _course_copy(root / "course")
    released = _run_instructor(course, "release", ASSIGNMENT)
    assert released.returncode == 0, released.stdout + released.stderr
    release = course.release / ASSIGNMENT / NOTEBOOK
    source = course.source / ASSIGNMENT / NOTEBOOK
    for learner, answers in SUBMISSIONS.items():
        notebook = synthetic.filled(release, source, answers)
        synthetic.write(notebook, root / "inbox" / learner / NOTEBOOK)
    synthetic.write(
        nbformat.read(release, as_version=4), root / "inbox" / "sans-reponse" / NOTEBOOK
    )
    result = _run_instructor(
        course, "grade", ASSIGNMENT, str(root / "inbox"), "--workers", "2"
    )
    (root / "grade-output.txt").write_text(result.stdout + result.stderr, "utf-8")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return course, _processes_inside(root)


def _grades(course: Course) -> dict[str, dict[str, str]]:
    path = course.grades / f"{ASSIGNMENT}-grades.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def _autograded_max(course: Course, prefix: str = "") -> float:
    """Return the autograded points of the cells whose id starts with ``prefix``."""
    path = course.grades / f"{ASSIGNMENT}-questions.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sum(
        float(row["max_score"])
        for row in rows
        if row["student_id"] == "correct"
        and row["cell_type"] == "code"
        and row["cell"].startswith(prefix)
    )


def _feedback_text(course: Course, learner: str) -> str:
    page = course.feedback / learner / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text("utf-8")))


@pytest.mark.slow
def test_batch_no_process_left(batch):
    _, leftovers = batch
    assert leftovers == []


@pytest.mark.slow
def test_batch_correct_full_marks(batch):
    course, _ = batch
    row = _grades(course)["correct"]
    assert float(row["score"]) == _autograded_max(course)


@pytest.mark.slow
def test_batch_correct_not_flagged(batch):
    course, _ = batch
    assert _grades(course)["correct"]["status"] == "graded"


@pytest.mark.slow
def test_batch_kernel_started_replica(batch):
    course, _ = batch
    graded = course.autograded / "correct" / ASSIGNMENT / NOTEBOOK
    first_code = next(
        cell
        for cell in nbformat.read(graded, as_version=4).cells
        if cell.cell_type == "code"
    )
    assert "http://127.0.0.1:" in _stream_text(first_code)


@pytest.mark.slow
def test_batch_first_page_partial(batch):
    course, _ = batch
    row = _grades(course)["premiere-page"]
    assert float(row["q1"]) == _autograded_max(course, "q1")
    assert float(row["q2"]) == 0


@pytest.mark.slow
def test_batch_first_page_feedback(batch):
    course, _ = batch
    text = _feedback_text(course, "premiere-page")
    assert "Arrêtez la boucle quand offset atteint total" in text


@pytest.mark.slow
def test_batch_unaccented_partial(batch):
    course, _ = batch
    assert float(_grades(course)["sans-accents"]["q1"]) == 1


@pytest.mark.slow
def test_batch_unaccented_feedback(batch):
    course, _ = batch
    assert "accents" in _feedback_text(course, "sans-accents")


@pytest.mark.slow
def test_batch_unquoted_sql_zero(batch):
    course, _ = batch
    assert float(_grades(course)["sql-sans-guillemets"]["q4"]) == 0


@pytest.mark.slow
def test_batch_unquoted_sql_rest_graded(batch):
    course, _ = batch
    row = _grades(course)["sql-sans-guillemets"]
    assert float(row["score"]) == _autograded_max(course) - _autograded_max(
        course, "q4"
    )


@pytest.mark.slow
def test_batch_endless_loop_flagged(batch):
    course, _ = batch
    assert "cell-timeout" in _grades(course)["boucle-sans-fin"]["codes"]


@pytest.mark.slow
def test_batch_endless_loop_q1_kept(batch):
    course, _ = batch
    row = _grades(course)["boucle-sans-fin"]
    assert float(row["q1"]) == _autograded_max(course, "q1")


@pytest.mark.slow
def test_batch_unanswered_zero(batch):
    course, _ = batch
    assert float(_grades(course)["sans-reponse"]["score"]) == 0


@pytest.mark.slow
def test_batch_no_api_unavailable(batch):
    course, _ = batch
    flagged = [
        learner
        for learner, row in _grades(course).items()
        if "api-unavailable" in row["codes"]
    ]
    assert flagged == []


@pytest.mark.slow
def test_batch_feedback_hides_hidden_tests(batch):
    course, _ = batch
    pages = list(course.feedback.rglob("*.html"))
    leaked = [
        page for page in pages if "datastore_dataframe(" in page.read_text("utf-8")
    ]
    assert pages
    assert leaked == []
