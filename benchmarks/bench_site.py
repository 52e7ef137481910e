"""Time a full site build from a clean clone, then a rebuild after editing one lesson.

Run from the project folder:

    python benchmarks/bench_site.py

It clones the committed tree (``git clone --local``) into a temporary
folder, builds both editions there with an empty execution cache, appends a
sentence to one French lesson, and builds again. The goal is an incremental
rebuild at most a tenth of the full build. Data comes from the mirror named
by ``DONNEESQC_MIRROR`` (default: ../shared/portal-snapshot).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITED_LESSON = Path("book/fr/lessons/02-explore.md")
GOAL_RATIO = 0.10


def timed_build(clone: Path) -> float:
    """Build the site in ``clone`` and return the wall time in seconds."""
    from widgets.site import build_site

    start = time.perf_counter()
    build_site(clone, clone / "_build")
    return time.perf_counter() - start


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault(
        "DONNEESQC_MIRROR", str(ROOT.parent / "shared" / "portal-snapshot")
    )
    with tempfile.TemporaryDirectory(prefix="bench-site-") as scratch:
        clone = Path(scratch) / "course"
        subprocess.run(
            ["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True
        )
        sys.path.insert(0, str(clone))
        full = timed_build(clone)

        lesson = clone / EDITED_LESSON
        lesson.write_text(
            lesson.read_text("utf-8")
            + "\nUne phrase ajoutée pour mesurer la reconstruction.\n",
            "utf-8",
        )
        incremental = timed_build(clone)

    ratio = incremental / full
    verdict = "meets" if ratio <= GOAL_RATIO else "misses"
    print(f"full build from a clean clone: {full:.1f} s")
    print(f"rebuild after editing {EDITED_LESSON}: {incremental:.1f} s")
    print(f"incremental / full: {ratio:.2f} ({verdict} the goal of {GOAL_RATIO:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
