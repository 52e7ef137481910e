"""Long-lived autograding processes, and the client that drives them.

A worker runs as ``python -m widgets.instructor.worker COURSE ASSIGNMENT``.

It loads nbgrader and the course configuration once, then reads one JSON
request per line on standard input (``{"student": ID, "restore": true}``)
and writes one result line per request on standard output, prefixed with
:data:`RESULT_PREFIX` so that anything else a library prints there is
ignored. Starting Python and importing nbgrader took about 2.5 s of CPU on
the 2-core machine the course was developed on, paid here once per worker
instead of once per submission.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from widgets.instructor.course import Course

RESULT_PREFIX = "@@autograde-result "

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Serve autograding requests for one assignment until standard input closes."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    course_root, assignment = argv if argv is not None else sys.argv[1:3]
    os.chdir(course_root)
    config = PyFileConfigLoader("nbgrader_config.py", path=course_root).load_config()
    # Learner code may print to standard output: keep it for results only.
    results = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_config = copy.deepcopy(config)
        if not request.get("restore", True):
            request_config.OverwriteCells.add_missing_cells = False
        coursedir = CourseDirectory(config=request_config, root=course_root)
        api = NbGraderAPI(coursedir=coursedir, config=request_config)
        try:
            result = api.autograde(
                assignment, request["student"], force=True, create=True
            )
        except Exception as error:  # noqa: BLE001 - the worker must answer every request
            result = {"success": False, "error": f"{type(error).__name__}: {error}"}
        reply = {
            "student": request["student"],
            "success": bool(result.get("success")),
            "log": result.get("log", ""),
            "error": result.get("error", ""),
        }
        results.write(RESULT_PREFIX + json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())


class WorkerCrashedError(RuntimeError):
    """The worker process ended while grading a submission."""


class AutogradeWorker:
    """Client side of one worker process, restarted after a timeout or a crash."""

    def __init__(self, course: Course, assignment: str, log_path: Path) -> None:
        self.course = course
        self.assignment = assignment
        self.log_path = log_path
        self._process: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()

    def autograde(self, student: str, *, restore: bool, timeout: float) -> dict:
        """Grade one submission and return nbgrader's result (success, log, error).

        Raises
        ------
        TimeoutError
            If the submission took more than ``timeout`` seconds; the worker
            and its kernel are killed.
        WorkerCrashedError
            If the worker process ended before replying.
        """
        if self._process is None or self._process.poll() is not None:
            self._start()
        request = json.dumps({"student": student, "restore": restore})
        try:
            self._process.stdin.write(request + "\n")
            self._process.stdin.flush()
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise TimeoutError(f"no result for {student} after {timeout:g} s") from None
        except (BrokenPipeError, OSError) as error:
            self.kill()
            raise WorkerCrashedError(
                f"worker unreachable while grading {student}: {error}"
            ) from error
        if reply is None:
            code = self._process.wait()
            self._process = None
            raise WorkerCrashedError(
                f"worker exited with code {code} while grading {student}"
            )
        return reply

    def stop(self) -> None:
        """Close the worker's input and wait for it to exit."""
        if self._process is None:
            return
        try:
            self._process.stdin.close()
            self._process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self._process = None

    def kill(self) -> None:
        """Kill the worker and the kernels it started (its process group)."""
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._process.wait()
        self._process = None

    def _start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._replies = queue.Queue()
        with self.log_path.open("a", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "widgets.instructor.worker",
                    str(self.course.root),
                    self.assignment,
                ],
                cwd=self.course.root,
                env=self.course.environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        logger.info(
            "Started autograde worker %d for %s", self._process.pid, self.assignment
        )
        reader = threading.Thread(
            target=_read_replies,
            args=(self._process.stdout, self._replies),
            daemon=True,
        )
        reader.start()


def _read_replies(stream, replies: queue.Queue) -> None:
    """Put each result line of ``stream`` on ``replies``, then None at the end."""
    for line in stream:
        if line.startswith(RESULT_PREFIX):
            replies.put(json.loads(line[len(RESULT_PREFIX) :]))
    replies.put(None)
