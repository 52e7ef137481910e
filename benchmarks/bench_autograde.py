"""Autograding throughput: the course's batch against plain ``nbgrader autograde``.

Both graders get the same generated submissions of one assignment, in two
copies of a freshly released scratch course:

- baseline: ``nbgrader autograde ASSIGNMENT``, one process that grades the
  submissions one after the other;
- batch: ``widgets.instructor.batch.autograde`` with ``--workers`` worker
  processes that load nbgrader once and grade one submission at a time
  each, plus the inspection before and after grading.

Prints submissions per minute, the ratio batch / baseline, the CPU seconds
each grader's process tree used per submission (from ``getrusage`` of the
finished child processes, which other work on a shared machine does not
inflate as it does wall time), and the peak resident memory of the whole
process tree (nbgrader plus kernels), sampled every 0.2 s. Run from the project root::

    DONNEESQC_MIRROR=/path/to/mirror PYTHONPATH=. python benchmarks/bench_autograde.py --n 50
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import nbformat
import psutil

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from widgets.instructor import batch, release, synthetic
from widgets.instructor.course import Course

SAMPLE_SECONDS = 0.2


class PeakMemory:
    """Sample the summed RSS of this process's descendants in a thread; keep the maximum."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            time.sleep(SAMPLE_SECONDS)


def children_cpu_seconds() -> float:
    """Return the user and system CPU seconds of all finished, waited-for descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_course(root: Path, assignment: str, count: int, cell_timeout: int) -> Course:
    """Release ``assignment`` in a scratch course and write ``count`` submissions."""
    root.mkdir(parents=True)
    shutil.copy2(
        PROJECT / "exercises" / "nbgrader_config.py", root / "nbgrader_config.py"
    )
    shutil.copytree(
        PROJECT / "exercises" / "source" / assignment, root / "source" / assignment
    )
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Execute.timeout = {cell_timeout}\n")
    course = Course(root)
    release.release(course, assignment)
    name = course.notebook_names(assignment)[0]
    release_path = course.release / assignment / name
    source_path = course.source / assignment / name
    answers = synthetic.answer_cell_ids(nbformat.read(release_path, as_version=4))
    for index in range(count):
        # Three in four are correct; the others leave one answer wrong.
        if index % 4:
            notebook = synthetic.correct(release_path, source_path)
        else:
            wrong = answers[index // 4 % len(answers)]
            notebook = synthetic.filled(release_path, source_path, {wrong: "pass"})
        synthetic.write(
            notebook, course.submitted / f"learner-{index:03d}" / assignment / name
        )
    return course


def run_baseline(course: Course, assignment: str) -> float:
    """Grade every submission with one ``nbgrader autograde`` process; return seconds."""
    started = time.perf_counter()
    result = course.run_nbgrader(["autograde", assignment, "--force"], timeout=7200)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader autograde failed:\n{result.stdout[-2000:]}")
    return elapsed


def run_batch(course: Course, assignment: str, workers: int) -> tuple[float, int]:
    """Grade every submission with the course's batch; return seconds and graded count."""
    started = time.perf_counter()
    records = batch.autograde(course, assignment, workers=workers)
    elapsed = time.perf_counter() - started
    graded = sum(1 for record in records if record.status in {"graded", "flagged"})
    return elapsed, graded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=50, help="submissions to grade (default: 50)"
    )
    parser.add_argument(
        "--assignment", default="02-lecture", help="assignment (default: 02-lecture)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="parallel gradings of the batch (default: 2)",
    )
    parser.add_argument(
        "--cell-timeout", type=int, default=60, help="seconds per cell (default: 60)"
    )
    arguments = parser.parse_args()
    os.environ.setdefault("DONNEESQC_STRICT", "1")

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as scratch:
        template = make_course(
            Path(scratch) / "template",
            arguments.assignment,
            arguments.n,
            arguments.cell_timeout,
        )
        baseline_course = Course(Path(scratch) / "baseline")
        batch_course = Course(Path(scratch) / "batch")
        shutil.copytree(template.root, baseline_course.root)
        shutil.copytree(template.root, batch_course.root)

        cpu_before = children_cpu_seconds()
        with PeakMemory() as baseline_memory:
            baseline_seconds = run_baseline(baseline_course, arguments.assignment)
        baseline_cpu = children_cpu_seconds() - cpu_before
        cpu_before = children_cpu_seconds()
        with PeakMemory() as batch_memory:
            batch_seconds, graded = run_batch(
                batch_course, arguments.assignment, arguments.workers
            )
        batch_cpu = children_cpu_seconds() - cpu_before

    baseline_rate = arguments.n / baseline_seconds * 60
    batch_rate = arguments.n / batch_seconds * 60
    print(
        f"assignment {arguments.assignment}, {arguments.n} submissions, {os.cpu_count()} cores"
    )
    # Other work on the machine slows both graders: the load average shows how much.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}")
    print(
        f"baseline  nbgrader autograde (sequential): {baseline_seconds:7.1f} s  "
        f"{baseline_rate:5.1f} submissions/min  CPU {baseline_cpu / arguments.n:4.1f} s/submission  "
        f"peak RSS {baseline_memory.peak / 2**20:6.0f} MiB"
    )
    print(
        f"batch     widgets.instructor ({arguments.workers} workers):  {batch_seconds:7.1f} s  "
        f"{batch_rate:5.1f} submissions/min  CPU {batch_cpu / arguments.n:4.1f} s/submission  "
        f"peak RSS {batch_memory.peak / 2**20:6.0f} MiB  "
        f"({graded}/{arguments.n} graded)"
    )
    print(f"ratio batch / baseline throughput: {batch_rate / baseline_rate:.2f}")


if __name__ == "__main__":
    main()
