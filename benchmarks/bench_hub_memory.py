"""Measure what one learner costs on a hub: memory and CPU of a server running a lesson.

Run from the project folder (needs node and npm for the proxy, like the
class test):

    python benchmarks/bench_hub_memory.py [--lesson book/fr/lessons/02-explore.md]

It starts JupyterHub from deploy/jupyterhub_config.py on 127.0.0.1, set up
as in tests/test_class_hub.py (one user, simple spawner). A learner logs in
through /hub/login, the script starts a kernel in the learner's server
through the Jupyter server API, and runs every code cell of the lesson in
it. Then it reads from /proc, through psutil:

* RSS of the single-user server and of the kernel (resident memory, shared
  libraries counted in full: an upper bound per learner);
* USS (memory only that process holds: what each extra learner adds at
  least) and the kernel's peak RSS (VmHWM) during the lesson;
* CPU seconds (user + system) the kernel used to run the lesson, and the
  wall time;
* RSS of the hub, the proxy and the formgrader service, paid once per class.

Data files come from the mirror named by DONNEESQC_MIRROR (default:
../shared/portal-snapshot).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import psutil
from jupyter_client import BlockingKernelClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import classhub

LEARNER = "apprenant"
MIB = 1024 * 1024


def process_with(processes: list[psutil.Process], word: str, cwd: Path | None = None):
    """Return the first process whose command line contains ``word`` (and runs in ``cwd``)."""
    for process in processes:
        try:
            if word not in " ".join(process.cmdline()):
                continue
            if cwd is not None and Path(process.cwd()) != cwd:
                continue
            return process
        except psutil.Error:
            continue
    raise LookupError(f"No process with {word!r} in its command line (cwd {cwd}).")


def memory(process: psutil.Process) -> dict[str, float]:
    """Return RSS, USS and peak RSS of ``process`` in MiB."""
    info = process.memory_full_info()
    peak_kib = 0
    with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kib = int(line.split()[1])
    return {
        "rss": info.rss / MIB,
        "uss": info.uss / MIB,
        "peak_rss": peak_kib / 1024,
    }


def run_lesson(connection_file: Path, lesson: Path | None) -> tuple[int, list[str]]:
    """Run the code cells of ``lesson`` in the kernel; return (cells run, errors).

    With no lesson, only wait until the kernel responds.
    """
    notebook = jupytext.read(lesson) if lesson else jupytext.reads("", fmt="md")
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    client.start_channels()
    errors: list[str] = []
    cells = 0
    try:
        client.wait_for_ready(timeout=60)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            cells += 1
            reply = client.execute_interactive(
                cell.source, timeout=300, output_hook=lambda message: None
            )
            if reply["content"]["status"] != "ok":
                errors.append(
                    f"cell {cells}: {reply['content'].get('ename')}: "
                    f"{reply['content'].get('evalue')}"
                )
    finally:
        client.stop_channels()
    return cells, errors


def measure(lesson: Path, pythonpath: str) -> dict:
    """Start a hub, run ``lesson`` in a learner's kernel and return the figures."""
    os.environ.setdefault(
        "DONNEESQC_MIRROR", str(ROOT.parent / "shared" / "portal-snapshot")
    )
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as scratch:
        hub = classhub.Hub(
            folder=Path(scratch),
            course_id="donneesqc",
            roster={"learners": [LEARNER]},
            pythonpath=pythonpath,
        )
        hub.course_dir.mkdir(parents=True)
        hub.exchange.mkdir(mode=0o777)
        try:
            hub.start()
            session = classhub.UserSession(hub, LEARNER)
            session.login()
            session.open_server()
            hub.record_children()
            children = psutil.Process(hub.process.pid).children(recursive=True)
            server = process_with(children, "jupyterhub-singleuser", hub.home(LEARNER))
            time.sleep(2)
            idle_server = memory(server)

            created = session.call(
                "POST", session.server_url("api/kernels"), json={"name": "python3"}
            )
            created.raise_for_status()
            kernel_id = created.json()["id"]
            connection = (
                hub.home(LEARNER)
                / ".local/share/jupyter/runtime"
                / f"kernel-{kernel_id}.json"
            )
            hub.wait_for(connection.exists, 60, "the kernel's connection file")
            kernel = process_with(server.children(recursive=True), "ipykernel")
            run_lesson(connection, None)
            idle_kernel = memory(kernel)

            cpu_before = sum(kernel.cpu_times()[:2])
            start = time.perf_counter()
            cells, errors = run_lesson(connection, lesson)
            wall = time.perf_counter() - start
            cpu = sum(kernel.cpu_times()[:2]) - cpu_before

            children = psutil.Process(hub.process.pid).children(recursive=True)
            formgrader = process_with(
                children, "jupyterhub-singleuser", hub.course_dir.parent
            )
            proxy = process_with(children, "configurable-http-proxy")
            home_size = subprocess.run(
                ["du", "-sk", str(hub.home(LEARNER))],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
            return {
                "lesson": str(lesson),
                "cells": cells,
                "errors": errors,
                "server_idle": idle_server,
                "server_after_lesson": memory(server),
                "kernel_idle": idle_kernel,
                "kernel_after_lesson": memory(kernel),
                "kernel_cpu_seconds": round(cpu, 2),
                "lesson_wall_seconds": round(wall, 2),
                "hub": memory(psutil.Process(hub.process.pid)),
                "proxy": memory(proxy),
                "formgrader": memory(formgrader),
                "home_kib": int(home_size),
                "cpus": os.cpu_count(),
            }
        finally:
            hub.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lesson",
        type=Path,
        default=ROOT / "book" / "fr" / "lessons" / "02-explore.md",
        help="MyST lesson whose code cells the kernel runs",
    )
    parser.add_argument(
        "--pythonpath",
        default=str(ROOT),
        help="folder holding the widgets package the servers import",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = measure(args.lesson.resolve(), args.pythonpath)

    print(json.dumps(figures, indent=2))
    server = figures["server_after_lesson"]
    kernel = figures["kernel_after_lesson"]
    print(
        f"\nOne learner, {figures['lesson']} ({figures['cells']} cells, "
        f"{len(figures['errors'])} errors):"
    )
    print(
        f"  server + kernel RSS {server['rss'] + kernel['rss']:.0f} MiB "
        f"(server {server['rss']:.0f}, kernel {kernel['rss']:.0f}, "
        f"kernel peak {kernel['peak_rss']:.0f})"
    )
    print(
        f"  server + kernel USS {server['uss'] + kernel['uss']:.0f} MiB "
        "(memory no other process shares)"
    )
    print(
        f"  kernel CPU {figures['kernel_cpu_seconds']} s for "
        f"{figures['lesson_wall_seconds']} s of wall time"
    )
    once = sum(figures[name]["rss"] for name in ("hub", "proxy", "formgrader"))
    print(f"  once per class (hub, proxy, formgrader) RSS {once:.0f} MiB")
    return 0 if not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
