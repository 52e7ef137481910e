"""Time and memory of the course reader against pandas on the largest registered file.

The file is comptage_velo_2019.csv (dataset ``velos-comptage-2019``: 3.4 MB,
35 040 rows, 47 columns in the header but 46 fields in every data row).
Everything runs in one process; the readers take turns in each repeat so
that a slow moment of the machine hits them alike.

Readers compared:

* ``widgets.reader.read_csv``: detection, typing and report, the course reader;
* ``pandas pyarrow``: ``pandas.read_csv(engine="pyarrow")``, the baseline. On
  this file the plain call raises (the data rows have one field fewer than
  the header), so the baseline reads the data rows with the first 46 header
  names;
* ``pandas C``: ``pandas.read_csv`` with its default engine, which pads the
  short rows.

Memory: the peak of Python allocations seen by tracemalloc, which counts
NumPy's buffers but not pyarrow's. Also the peak growth of the resident set
size (RSS), sampled every millisecond with psutil: it includes pyarrow's
buffers, but memory that the allocator kept from earlier calls hides part
of it.

Run from the repository root::

    DONNEESQC_MIRROR=../shared/portal-snapshot python benchmarks/bench_reader.py --repeats 9
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import platform
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil
import pyarrow

from widgets.fetch import fetch
from widgets.reader import read_csv

DATASET = "velos-comptage-2019"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per reader")
    args = parser.parse_args()

    path = fetch(DATASET)
    names = _header(path)
    readers: dict[str, Callable[[], object]] = {
        "widgets read_csv": lambda: read_csv(path),
        "pandas pyarrow": lambda: pd.read_csv(
            path, engine="pyarrow", header=None, skiprows=1, names=names[:46]
        ),
        "pandas C": lambda: pd.read_csv(path),
    }

    _print_context(path)
    _print_plain_pyarrow_failure(path)

    for reader in readers.values():
        reader()  # warm-up: imports, caches, regular expression compilation
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(args.repeats):
        for name, reader in readers.items():
            start = time.perf_counter()
            reader()
            times[name].append(time.perf_counter() - start)

    memory = {name: _peak_memory(reader) for name, reader in readers.items()}

    print(f"\nTimes over {args.repeats} runs each (seconds):")
    print(f"  {'reader':<18} {'median':>8} {'min':>8} {'max':>8}")
    for name, values in times.items():
        print(
            f"  {name:<18} {statistics.median(values):8.3f} {min(values):8.3f} {max(values):8.3f}"
        )
    ours = statistics.median(times["widgets read_csv"])
    for baseline in ("pandas pyarrow", "pandas C"):
        ratio = ours / statistics.median(times[baseline])
        print(f"Ratio widgets read_csv / {baseline} (medians): {ratio:.2f}")

    print("\nPeak memory of one call (MB):")
    print(f"  {'reader':<18} {'tracemalloc':>12} {'RSS growth':>11}")
    for name, (traced, rss) in memory.items():
        print(f"  {name:<18} {traced / 1e6:12.1f} {rss / 1e6:11.1f}")


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _print_context(path: Path) -> None:
    print("Reader benchmark")
    print(f"  file: {path.name} ({path.stat().st_size:,} bytes)")
    print(
        f"  machine: {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"{psutil.virtual_memory().total / 1e9:.1f} GB RAM, {platform.platform()}"
    )
    print(
        f"  python {platform.python_version()}, pandas {pd.__version__}, "
        f"pyarrow {pyarrow.__version__}"
    )


def _print_plain_pyarrow_failure(path: Path) -> None:
    try:
        pd.read_csv(path, engine="pyarrow")
    except ValueError as error:  # pandas.errors.ParserError is a ValueError
        print(
            f"  plain pandas.read_csv(engine='pyarrow') fails: {type(error).__name__}: {error}"
        )
    else:
        print("  plain pandas.read_csv(engine='pyarrow') succeeds on this file")


def _peak_memory(reader: Callable[[], object]) -> tuple[int, int]:
    """Return the tracemalloc peak and the peak RSS growth of one call."""
    gc.collect()
    tracemalloc.start()
    reader()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    gc.collect()
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = reader()
    done.set()
    sampler.join()
    peak = max(peak, process.memory_info().rss)
    del result
    return traced, peak - baseline


if __name__ == "__main__":
    main()
