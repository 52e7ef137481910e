"""Test settings shared by the whole suite.

Tests read the real portal files from the course mirror, a folder beside
the repository (``../shared/portal-snapshot``), unless ``DONNEESQC_MIRROR``
already names one, and run in strict mode so that any checksum mismatch is
an error.
"""

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent

os.environ.setdefault(
    "DONNEESQC_MIRROR",
    str((REPOSITORY.parent / "shared" / "portal-snapshot").resolve()),
)
os.environ["DONNEESQC_STRICT"] = "1"


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """Return the mirror folder holding the real portal files."""
    return Path(os.environ["DONNEESQC_MIRROR"])
