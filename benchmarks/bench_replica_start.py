"""Time the replica start that the API exercise (03-api) pays in every kernel.

The exercise's first cell starts the replica with the municipal directory
only, ``start_replica(datasets=["repertoire-municipalites"])``. It runs
once per learner's kernel and once per graded submission, inside the
per-cell timeout of ``exercises/nbgrader_config.py``. This script times that
start against the baseline, a replica that loads every registered file, and
prints the medians and their ratio. Each repeat builds the replica, serves
one ``datastore_search`` over loopback HTTP and stops it. Run from the
project root::

    DONNEESQC_MIRROR=/path/to/mirror PYTHONPATH=. python benchmarks/bench_replica_start.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from widgets.portal import PortalClient
from widgets.replica import start_replica

RESOURCE_ID = "19385b4e-5503-4330-9e59-f998f5918363"
EXERCISE_DATASETS = ["repertoire-municipalites"]


def time_start(datasets: list[str] | None) -> float:
    """Start a replica, get one page from it and stop it; return the seconds taken."""
    started = time.perf_counter()
    handle = start_replica(datasets=datasets)
    try:
        with PortalClient(handle.api_url, retries=0) as client:
            client.datastore_search(RESOURCE_ID, limit=1)
    finally:
        handle.stop()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="starts of each kind (default 5)"
    )
    args = parser.parse_args(argv)

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    # The first start is not timed, because it pays the imports and fills the file cache.
    time_start(EXERCISE_DATASETS)
    exercise: list[float] = []
    everything: list[float] = []
    for _ in range(args.repeats):
        exercise.append(time_start(EXERCISE_DATASETS))
        everything.append(time_start(None))

    exercise_median = statistics.median(exercise)
    everything_median = statistics.median(everything)
    print(f"repeats: {args.repeats} of each, alternating")
    print(f"directory only (03-api first cell): median {exercise_median:.2f} s")
    print(f"every registered file (baseline):   median {everything_median:.2f} s")
    print(f"ratio baseline / directory only: {everything_median / exercise_median:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
