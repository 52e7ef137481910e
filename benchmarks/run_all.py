"""Run every benchmark script in this folder, one after the other, each with a time limit.

Run from the project folder:

    python benchmarks/run_all.py [--timeout SECONDS] [NAME ...]

NAME filters scripts by substring (``site``, ``reader``…). Each script runs
in its own process with the mirror of ``DONNEESQC_MIRROR`` (default:
../shared/portal-snapshot); the output of each is printed under its name.
Benchmarks only talk to servers they start on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_TIMEOUT = 900


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        help="time limit per script, in seconds",
    )
    parser.add_argument(
        "names", nargs="*", help="run only scripts whose name contains one of these"
    )
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("DONNEESQC_MIRROR", str(ROOT.parent / "shared" / "portal-snapshot"))
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(name in s.stem for name in args.names)]

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    failures = 0
    for script in scripts:
        print(f"\n== {script.name}", flush=True)
        start = time.perf_counter()
        try:
            completed = subprocess.run(
                [sys.executable, str(script)],
                cwd=ROOT,
                env=env,
                timeout=args.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"{script.name}: timed out after {args.timeout} s")
            failures += 1
            continue
        if completed.returncode != 0:
            print(f"{script.name}: failed with exit code {completed.returncode}")
            failures += 1
        print(f"({time.perf_counter() - start:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
