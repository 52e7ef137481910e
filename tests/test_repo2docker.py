"""repo2docker, the tool behind Binder, reads the environment files of the repository.

``repo2docker --no-build --debug`` prints the Dockerfile it would build, with no
Docker daemon. The test is skipped unless repo2docker is on PATH or the
``REPO2DOCKER`` variable names its executable. repo2docker is not part of the
course's environment: install it with ``pip install jupyter-repo2docker`` in a
separate virtual environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS_STEP = 'pip install --no-cache-dir -r "requirements.txt"'
POSTBUILD_STEP = "RUN ./postBuild"


@pytest.fixture(scope="module")
def repo2docker_output() -> subprocess.CompletedProcess:
    """Run ``repo2docker --no-build --debug`` on the repository."""
    executable = os.environ.get("REPO2DOCKER") or shutil.which("repo2docker")
    if not executable:
        pytest.skip("repo2docker is not installed (set REPO2DOCKER to its executable)")
    return subprocess.run(
        [executable, "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_repo2docker_succeeds(repo2docker_output):
    assert repo2docker_output.returncode == 0, repo2docker_output.stderr[-2000:]


def test_runtime_python_picked(repo2docker_output):
    assert "python=3.11" in repo2docker_output.stderr


def test_requirements_installed(repo2docker_output):
    assert REQUIREMENTS_STEP in repo2docker_output.stdout


def test_postbuild_runs_after_requirements(repo2docker_output):
    dockerfile = repo2docker_output.stdout
    assert POSTBUILD_STEP in dockerfile
    assert dockerfile.index(POSTBUILD_STEP) > dockerfile.index(REQUIREMENTS_STEP)
