"""A whole class on this machine: JupyterHub, the nbgrader exchange and the formgrader.

JupyterHub runs deploy/jupyterhub_config.py on 127.0.0.1 with the shared-password
authenticator and the simple local-process spawner: every user is root, so
each one gets its own home folder, and nbgrader takes the learner's identity
from the hub user name (deploy/jupyter/learner/nbgrader_config.py).

One instructor, one grader and three learners log in through /hub/login.
The instructor drives the formgrader service through the hub: generate,
release, collect, autograde, feedback. Each learner drives the nbgrader
extension of their own server (fetch, submit, fetch feedback) and edits the
notebook with the contents API, as the JupyterLab page does. One learner
answers everything, one leaves the last question unanswered, one writes an
infinite loop in it. The per-cell timeout stops the loop.

The assignment is the first one of exercises/source when the course has
one, else a three-question assignment written in the test's folder.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time

import pytest
import requests

from tests import classhub
from tests.classhub import Hub, UserSession

logger = logging.getLogger(__name__)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

COURSE_ID = "donneesqc"
INSTRUCTOR = "prof"
GRADER = "correcteur"
LEARNERS = {"alice": "full", "bruno": "partial", "chloe": "loop"}
AUTOGRADE_TIMEOUT = 10
ARTIFACTS = classhub.ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def assignment(tmp_path_factory):
    """The course's first assignment, or a tiny one written for the test."""
    found = classhub.course_assignment(classhub.ROOT / "exercises" / "source")
    if found is not None:
        return found
    return classhub.tiny_assignment(tmp_path_factory.mktemp("source") / "essai")


@pytest.fixture(scope="module")
def hub(tmp_path_factory, assignment):
    """A running hub with the course prepared by deploy/prepare_host.sh."""
    try:
        classhub.proxy_command()
    except classhub.SetupError as error:
        pytest.skip(str(error))
    folder = tmp_path_factory.mktemp("class")
    course = Hub(
        folder=folder,
        course_id=COURSE_ID,
        roster={
            "instructors": [INSTRUCTOR],
            "graders": [GRADER],
            "learners": sorted(LEARNERS),
        },
        autograde_timeout=AUTOGRADE_TIMEOUT,
    )
    _prepare_host(course, assignment)
    try:
        course.start()
        yield course
    finally:
        course.stop()
        # The hub's log (hub, proxy, servers, formgrader) for a failed run.
        ARTIFACTS.mkdir(exist_ok=True)
        if (folder / "hub.log").exists():
            shutil.copy(folder / "hub.log", ARTIFACTS / "class-hub.log")


def _prepare_host(course: Hub, assignment) -> None:
    """Run deploy/prepare_host.sh, then put the assignment in the course's source/."""
    environment = dict(os.environ)
    environment.update(
        {
            "DONNEESQC_EXCHANGE": str(course.exchange),
            "DONNEESQC_COURSE_ID": COURSE_ID,
            "DONNEESQC_COURSE_DIR": str(course.course_dir),
            "DONNEESQC_GRADER_ACCOUNT": "",
        }
    )
    subprocess.run(
        ["bash", str(classhub.DEPLOY / "prepare_host.sh")],
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )
    target = course.course_dir / "source" / assignment.assignment_id
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", str(assignment.folder), str(target)], check=True)


def _ok(response) -> dict:
    """Return the JSON body of an nbgrader API response, failing on an error."""
    assert response.status_code == 200, (
        f"{response.url}: {response.status_code} {response.text[:500]}"
    )
    body = response.json()
    if isinstance(body, dict) and body.get("success") is False:
        pytest.fail(f"{response.url}: {body.get('error') or body.get('value')}")
    return body


class Timer:
    """Wall-clock time of each step, saved in test-artifacts/class-hub-timings.json."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    def step(self, name: str):
        timer = self

        class _Step:
            def __enter__(self):
                self.start = time.monotonic()

            def __exit__(self, *exc):
                timer.steps[name] = round(time.monotonic() - self.start, 2)
                logger.info("%s: %.1f s", name, timer.steps[name])

        return _Step()

    def save(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "class-hub-timings.json").write_text(
            json.dumps(self.steps, indent=2), "utf-8"
        )


def test_class_hub_roles(hub):
    """Groups and roles from the roster, enforced on the formgrader and on servers."""
    instructor = UserSession(hub, INSTRUCTOR)
    grader = UserSession(hub, GRADER)
    learner = UserSession(hub, "alice")
    for session in (instructor, grader, learner):
        response = session.login()
        assert response.status_code == 302, f"{session.username}: login failed"

    models = {
        session.username: session.hub_api("GET", "user").json()
        for session in (instructor, grader, learner)
    }
    assert models[INSTRUCTOR]["groups"] == ["instructors"]
    assert models[GRADER]["groups"] == ["graders"]
    assert models["alice"]["groups"] == ["learners"]
    formgrader_scope = f"access:services!service={COURSE_ID}"
    assert formgrader_scope in models[INSTRUCTOR]["scopes"]
    assert formgrader_scope in models[GRADER]["scopes"]
    assert formgrader_scope not in models["alice"]["scopes"]
    assert "access:servers!group=learners" in models[INSTRUCTOR]["scopes"]
    assert "access:servers!group=learners" not in models[GRADER]["scopes"]

    status = "formgrader/api/status"
    assert (
        instructor.http.get(instructor.service_url(status), timeout=60).status_code
        == 200
    )
    assert grader.http.get(grader.service_url(status), timeout=60).status_code == 200
    assert learner.http.get(learner.service_url(status), timeout=60).status_code == 403

    # An instructor may open a learner's server to help; a grader may not.
    learner.open_server()
    learner_lab = learner.server_url("lab")
    assert instructor.http.get(learner_lab, timeout=60).status_code == 200
    assert grader.http.get(learner_lab, timeout=60).status_code == 403


def test_class_hub_grading(hub, assignment):
    """Release, fetch, submit, collect, autograde, feedback: grades as expected."""
    timer = Timer()
    assignment_id = assignment.assignment_id
    notebooks = assignment.notebooks()

    with timer.step("login and spawn, 4 servers"):
        instructor = UserSession(hub, INSTRUCTOR)
        learners = {name: UserSession(hub, name) for name in LEARNERS}
        for session in [instructor, *learners.values()]:
            assert session.login().status_code == 302
            session.open_server()

    # The instructor's own server lists the course's formgrader (nbgrader's
    # course list finds the service through the hub).
    courses = _ok(instructor.call("GET", instructor.server_url("formgraders")))
    assert [course["course_id"] for course in courses["value"]] == [COURSE_ID]

    # The learner's server has no formgrader of its own.
    learner_formgrader = learners["alice"].call(
        "GET", learners["alice"].server_url("formgrader")
    )
    assert learner_formgrader.status_code == 404

    with timer.step("generate and release"):
        instructor.http.get(
            instructor.service_url("formgrader"), timeout=60
        ).raise_for_status()
        api = f"formgrader/api/assignment/{assignment_id}"
        _ok(instructor.call("POST", instructor.service_url(f"{api}/assign")))
        _ok(instructor.call("POST", instructor.service_url(f"{api}/release")))

    with timer.step("fetch, answer and submit, 3 learners"):
        for name, kind in LEARNERS.items():
            session = learners[name]
            query = {"course_id": COURSE_ID, "assignment_id": assignment_id}
            listing = _ok(
                session.call(
                    "GET",
                    session.server_url("assignments"),
                    params={"course_id": COURSE_ID},
                )
            )
            assert [item["status"] for item in listing["value"]] == ["released"]
            _ok(
                session.call(
                    "POST", session.server_url("assignments/fetch"), params=query
                )
            )
            for filename, source in notebooks.items():
                path = f"api/contents/{assignment_id}/{filename}"
                released = session.call("GET", session.server_url(path))
                released.raise_for_status()
                model = classhub.answer(released.json(), source, kind)
                saved = session.call(
                    "PUT",
                    session.server_url(path),
                    json={
                        "type": "notebook",
                        "format": "json",
                        "content": model["content"],
                    },
                )
                assert saved.status_code == 200, saved.text[:300]
            submitted = _ok(
                session.call(
                    "POST", session.server_url("assignments/submit"), params=query
                )
            )
            statuses = [item["status"] for item in submitted["value"]]
            assert "submitted" in statuses, f"{name}: {submitted}"

    with timer.step("collect"):
        _ok(instructor.call("POST", instructor.service_url(f"{api}/collect")))

    for name in LEARNERS:
        with timer.step(f"autograde {name}"):
            url = instructor.service_url(
                f"formgrader/api/submission/{assignment_id}/{name}/autograde"
            )
            _ok(instructor.call("POST", url))

    with timer.step("generate and release feedback"):
        _ok(instructor.call("POST", instructor.service_url(f"{api}/generate_feedback")))
        _ok(instructor.call("POST", instructor.service_url(f"{api}/release_feedback")))

    with timer.step("fetch feedback, 3 learners"):
        for name, session in learners.items():
            query = {"course_id": COURSE_ID, "assignment_id": assignment_id}
            _ok(
                session.call(
                    "POST",
                    session.server_url("assignments/fetch_feedback"),
                    params=query,
                )
            )
            folder = session.call(
                "GET", session.server_url(f"api/contents/{assignment_id}/feedback")
            )
            assert folder.status_code == 200, f"{name}: no feedback folder"
            [submission] = folder.json()["content"]
            files = session.call(
                "GET", session.server_url(f"api/contents/{submission['path']}")
            ).json()
            names = sorted(item["name"] for item in files["content"])
            expected = sorted(
                filename.replace(".ipynb", ".html") for filename in notebooks
            )
            assert names == expected, f"{name}: feedback files"

    with timer.step("per-question grades"):
        for name, kind in LEARNERS.items():
            for filename, source in notebooks.items():
                notebook_id = filename.removesuffix(".ipynb")
                submitted = _ok(
                    instructor.call(
                        "GET",
                        instructor.service_url(
                            f"formgrader/api/submitted_notebooks/{assignment_id}/{notebook_id}"
                        ),
                    )
                )
                [record] = [item for item in submitted if item["student"] == name]
                grades = _ok(
                    instructor.call(
                        "GET",
                        instructor.service_url("formgrader/api/grades"),
                        params={"submission_id": record["id"]},
                    )
                )
                expected = classhub.expected_scores(source, kind)
                scores = {
                    grade["name"]: grade["auto_score"]
                    for grade in grades
                    if grade["name"] in expected
                }
                assert scores == expected, f"{name} ({kind}), {filename}"

    # The loop was stopped by the per-cell timeout, in the loop's own cell.
    broken = classhub.last_solution_id(next(iter(notebooks.values())))
    loop_learner = next(name for name, kind in LEARNERS.items() if kind == "loop")
    autograded = hub.course_dir / "autograded" / loop_learner / assignment_id
    errors = classhub.error_names(autograded / next(iter(notebooks)), broken)
    assert "CellTimeoutError" in errors

    with timer.step("export"):
        exported = _export_grades(hub)
    for name, kind in LEARNERS.items():
        expected = sum(
            sum(classhub.expected_scores(source, kind).values())
            for source in notebooks.values()
        )
        assert float(exported[name]["score"]) == expected, (
            f"{name} ({kind}): exported score"
        )

    timer.save()


def _export_grades(hub: Hub) -> dict[str, dict]:
    """Run ``nbgrader export`` in the course directory, as the formgrader service's account."""
    environment = dict(os.environ)
    environment.update(
        {
            "DONNEESQC_COURSE_ID": COURSE_ID,
            "DONNEESQC_COURSE_DIR": str(hub.course_dir),
            "DONNEESQC_EXCHANGE": str(hub.exchange),
            "JUPYTER_CONFIG_PATH": os.pathsep.join(
                str(classhub.DEPLOY / "jupyter" / name)
                for name in ("formgrader", "system")
            ),
        }
    )
    output = hub.course_dir / "grades.csv"
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(output)],
        cwd=hub.course_dir,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(output, newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_external_formgrader(tmp_path):
    """The Kubernetes formgrader: an external service started from formgrader.yaml's env."""
    try:
        classhub.proxy_command()
    except classhub.SetupError as error:
        pytest.skip(str(error))
    token = secrets.token_hex(32)
    course = Hub(
        folder=tmp_path,
        course_id=COURSE_ID,
        roster={"instructors": [INSTRUCTOR], "learners": ["alice"]},
        extra_environment={
            "DONNEESQC_FORMGRADER": "external",
            "DONNEESQC_FORMGRADER_API_TOKEN": token,
        },
    )
    course.course_dir.mkdir(parents=True)
    course.exchange.mkdir(mode=0o777)
    formgrader = None
    try:
        course.start()
        manifest = classhub.DEPLOY / "z2jh" / "formgrader.yaml"
        formgrader = classhub.start_external_formgrader(course, manifest, token)
        course.wait_for(
            lambda: (
                requests.get(
                    course.formgrader_url + "/services/donneesqc/api", timeout=5
                ).ok
            ),
            120,
            "the external formgrader",
        )
        instructor = UserSession(course, INSTRUCTOR)
        learner = UserSession(course, "alice")
        for session in (instructor, learner):
            assert session.login().status_code == 302
        status = "formgrader/api/status"
        assert (
            instructor.http.get(instructor.service_url(status), timeout=60).status_code
            == 200
        )
        assert (
            learner.http.get(learner.service_url(status), timeout=60).status_code == 403
        )
    finally:
        if formgrader is not None:
            classhub.stop_process(formgrader)
        course.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        for name in ("hub.log", "formgrader.log"):
            if (tmp_path / name).exists():
                shutil.copy(tmp_path / name, ARTIFACTS / f"external-{name}")
