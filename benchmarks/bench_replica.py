"""Measure the replica's datastore_search latency and a full-table read.

Run from the repository root, with the registered files available::

    DONNEESQC_MIRROR=/path/to/mirror python benchmarks/bench_replica.py

It starts the replica as ``python -m widgets.replica`` in a child process on
a free 127.0.0.1 port, as a learner would, then measures on the largest
registered resource (bicycle counts 2019, 35 040 rows, 47 columns):

1. the latency of a filtered ``datastore_search`` page (100 rows) over
   loopback HTTP, p50 and p95 over a bounded number of requests, against the
   same search called in-process (no HTTP, no JSON) as the baseline;
2. the time to read the whole table through the client, page by page, into
   a DataFrame, against ``pandas.read_csv`` of the same file as the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import requests

from widgets.ckan_catalog import resource_id_for
from widgets.datastore import Datastore
from widgets.fetch import fetch
from widgets.portal import PortalClient
from widgets.registry import get_dataset

DATASET_ID = "velos-comptage-2019"
FILTER_COLUMN = "compteur_100003032"
PAGE_ROWS = 100
STARTUP_TIMEOUT_SECONDS = 120


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_child_replica(port: int) -> subprocess.Popen:
    """Start ``python -m widgets.replica`` and wait until it responds."""
    root = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    command = [
        sys.executable,
        "-m",
        "widgets.replica",
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]
    child = subprocess.Popen(command, env=environment, cwd=root)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    url = f"http://127.0.0.1:{port}/api/3/action/package_list"
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the replica exited with status {child.returncode}")
        try:
            requests.get(url, timeout=2).raise_for_status()
            return child
        except requests.RequestException:
            time.sleep(0.2)
    child.terminate()
    raise RuntimeError(
        f"the replica did not respond within {STARTUP_TIMEOUT_SECONDS} s"
    )


def percentile(samples: list[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def time_calls(call, count: int) -> list[float]:
    """Run ``call(i)`` ``count`` times and return each duration in seconds."""
    durations = []
    for index in range(count):
        started = time.perf_counter()
        call(index)
        durations.append(time.perf_counter() - started)
    return durations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=200, help="HTTP requests to time (1-2000)."
    )
    parser.add_argument(
        "--page-size", type=int, default=5000, help="Rows per page for the full read."
    )
    args = parser.parse_args(argv)
    count = max(1, min(args.requests, 2000))

    dataset = get_dataset(DATASET_ID)
    resource_id = resource_id_for(dataset)
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )

    port = free_port()
    started = time.perf_counter()
    child = start_child_replica(port)
    print(f"Replica process ready in {time.perf_counter() - started:.2f} s")
    api_url = f"http://127.0.0.1:{port}/api/3/action/"
    datastore = Datastore.from_registry()

    try:
        filters = {FILTER_COLUMN: 0}
        total = datastore.search(
            {"resource_id": resource_id, "filters": filters, "limit": 0}
        )["total"]
        pages = max(1, total // PAGE_ROWS)

        def params(index: int) -> dict:
            return {
                "resource_id": resource_id,
                "filters": filters,
                "sort": "Date desc",
                "limit": PAGE_ROWS,
                "offset": (index % pages) * PAGE_ROWS,
            }

        session = requests.Session()

        def over_http(index: int) -> None:
            query = {**params(index), "filters": json.dumps(filters)}
            response = session.get(
                api_url + "datastore_search", params=query, timeout=30
            )
            response.raise_for_status()
            response.json()

        over_http(0)  # open the keep-alive connection
        http_times = time_calls(over_http, count)
        local_times = time_calls(lambda index: datastore.search(params(index)), count)

        http_p50, http_p95 = percentile(http_times, 0.5), percentile(http_times, 0.95)
        local_p50 = percentile(local_times, 0.5)
        print(
            f"Filtered page ({FILTER_COLUMN} = 0: {total} of 35040 rows, {PAGE_ROWS} per "
            f"page, sorted by Date), {count} requests over loopback:"
        )
        print(
            f"  HTTP p50 {http_p50 * 1000:.1f} ms, p95 {http_p95 * 1000:.1f} ms, "
            f"mean {statistics.mean(http_times) * 1000:.1f} ms"
        )
        print(
            f"  in-process search p50 {local_p50 * 1000:.1f} ms (baseline); "
            f"HTTP / in-process = {http_p50 / local_p50:.1f}x"
        )

        client = PortalClient(api_url)
        started = time.perf_counter()
        frame = client.datastore_dataframe(resource_id, page_size=args.page_size)
        client_seconds = time.perf_counter() - started

        started = time.perf_counter()
        baseline = pd.read_csv(
            fetch(dataset.id), encoding=dataset.encoding, sep=dataset.delimiter
        )
        csv_seconds = time.perf_counter() - started
        print(
            f"Full table through the client ({len(frame)} rows x {frame.shape[1]} columns, "
            f"pages of {args.page_size}): {client_seconds:.2f} s"
        )
        print(
            f"  pandas.read_csv of the file: {csv_seconds:.2f} s (baseline); "
            f"client / read_csv = {client_seconds / csv_seconds:.1f}x"
        )
        if len(frame) != len(baseline):
            print(
                f"WARNING: the client read {len(frame)} rows, the file has {len(baseline)}"
            )
            return 1
    finally:
        child.terminate()
        child.wait(timeout=30)
        datastore.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
