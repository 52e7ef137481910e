"""The nbgrader course folder: its layout, and running nbgrader commands in it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import widgets

logger = logging.getLogger(__name__)

GRADEBOOK = "gradebook.db"
REPORTS = "reports"
GRADES = "grades"
ROSTER = "roster.csv"


@dataclass(frozen=True)
class Course:
    """An nbgrader course folder such as the project's ``exercises/``."""

    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike) -> Course:
        """Return the course in ``root``, checking that it has an nbgrader config.

        Raises
        ------
        FileNotFoundError
            If ``root`` has no ``nbgrader_config.py``.
        """
        path = Path(root).resolve()
        if not (path / "nbgrader_config.py").is_file():
            raise FileNotFoundError(
                f"No nbgrader_config.py in {path}: pass the course folder with --course "
                "(the project's exercises/ folder or a copy of it)."
            )
        return cls(path)

    @property
    def source(self) -> Path:
        """Folder of the instructor's notebooks, with solutions and hidden tests."""
        return self.root / "source"

    @property
    def release(self) -> Path:
        """Folder of the learners' notebooks, made by ``generate_assignment``."""
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        """Folder of the submissions, ``submitted/<student>/<assignment>/``."""
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        """Folder of the graded notebooks."""
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        """Folder of the feedback pages."""
        return self.root / "feedback"

    @property
    def reports(self) -> Path:
        """Folder of the batch reports (one CSV per step and assignment)."""
        return self.root / REPORTS

    @property
    def grades(self) -> Path:
        """Folder of the exported grade files."""
        return self.root / GRADES

    @property
    def gradebook(self) -> Path:
        """The nbgrader gradebook database."""
        return self.root / GRADEBOOK

    @property
    def db_url(self) -> str:
        """SQLAlchemy address of the gradebook."""
        return f"sqlite:///{self.gradebook}"

    def assignments(self) -> list[str]:
        """Return the assignment names found in ``source/``, sorted."""
        if not self.source.is_dir():
            return []
        return sorted(path.name for path in self.source.iterdir() if path.is_dir())

    def notebook_names(self, assignment: str) -> list[str]:
        """Return the notebook file names of ``assignment`` in ``source/``.

        Raises
        ------
        FileNotFoundError
            If the assignment has no folder or no notebook in ``source/``.
        """
        folder = self.source / assignment
        names = (
            sorted(path.name for path in folder.glob("*.ipynb"))
            if folder.is_dir()
            else []
        )
        if not names:
            known = ", ".join(self.assignments()) or "none"
            raise FileNotFoundError(
                f"Assignment {assignment!r} has no notebook in {folder}. Known assignments: {known}."
            )
        return names

    def students(self, assignment: str) -> list[str]:
        """Return the student ids that have a submission folder for ``assignment``."""
        if not self.submitted.is_dir():
            return []
        return sorted(
            path.name
            for path in self.submitted.iterdir()
            if (path / assignment).is_dir()
        )

    def environment(self) -> dict[str, str]:
        """Return the environment for nbgrader and its kernels.

        The kernels import this package, and nbgrader runs ``alembic`` from
        the environment's ``bin`` folder, so both go on the paths.
        """
        env = dict(os.environ)
        package_parent = str(Path(widgets.__file__).resolve().parent.parent)
        python_path = [
            package_parent,
            *filter(None, env.get("PYTHONPATH", "").split(os.pathsep)),
        ]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(python_path))
        scripts = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
        # Kernels print accented text: keep Python's I/O in UTF-8 whatever the locale.
        env.setdefault("PYTHONIOENCODING", "utf-8")
        env["PYTHONUTF8"] = "1"
        return env

    def run_nbgrader(
        self, arguments: list[str], *, timeout: float | None = None
    ) -> subprocess.CompletedProcess:
        """Run ``nbgrader ARGUMENTS`` in the course folder and return the finished process.

        The output is captured as text; a run longer than ``timeout`` seconds
        raises ``subprocess.TimeoutExpired`` after its process group is killed.
        """
        command = [sys.executable, "-m", "nbgrader", *arguments]
        logger.info("Running %s in %s", " ".join(command[2:]), self.root)
        process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, _ = process.communicate()
            raise subprocess.TimeoutExpired(command, timeout, output=output) from None
        return subprocess.CompletedProcess(command, process.returncode, output, None)


def _kill_group(process: subprocess.Popen) -> None:
    """Kill ``process`` and the kernels it started (its process group)."""
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
