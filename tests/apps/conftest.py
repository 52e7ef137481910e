"""Settings for the tests of the apps and their logic.

The files come from the course mirror (the read-only portal snapshot that
sits beside the repository), checked strictly against the registry, and
``DONNEESQC_OFFLINE`` keeps the apps from checking the portal or the map
tiles. A variable already set in the environment wins.
"""

import os
from pathlib import Path

import pandas as pd
import pytest

SNAPSHOT = Path(__file__).resolve().parents[3] / "shared" / "portal-snapshot"
os.environ.setdefault("DONNEESQC_MIRROR", str(SNAPSHOT))
os.environ.setdefault("DONNEESQC_STRICT", "1")
# No test of the apps may reach the internet: no portal check, no tile check.
os.environ.setdefault("DONNEESQC_OFFLINE", "1")


def read_registered_csv(dataset_id: str) -> pd.DataFrame:
    """Read a registered CSV file as text, the way the apps do."""
    from widgets.fetch import fetch
    from widgets.registry import get_dataset

    dataset = get_dataset(dataset_id)
    df = pd.read_csv(
        fetch(dataset_id),
        encoding=dataset.encoding,
        sep=dataset.delimiter,
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
    )
    df.columns = [name.strip() for name in df.columns]
    return df


@pytest.fixture(scope="session")
def piscines() -> pd.DataFrame:
    """The Montréal pools file: MTM 8 with decimal commas, and LONG/LAT."""
    return read_registered_csv("piscines-montreal")


@pytest.fixture(scope="session")
def rues_pietonnes() -> pd.DataFrame:
    """The properties of the pedestrian streets GeoJSON, one row per feature."""
    import json

    from widgets.fetch import fetch

    collection = json.loads(fetch("rues-pietonnes-montreal").read_text("utf-8"))
    return pd.DataFrame([feature["properties"] for feature in collection["features"]])


@pytest.fixture
def no_instructor(monkeypatch):
    """Learner mode, whatever the environment sets."""
    monkeypatch.delenv("DONNEESQC_INSTRUCTOR", raising=False)


@pytest.fixture(scope="session")
def registered_csv():
    """Return the function that reads a registered CSV file as text."""
    return read_registered_csv


@pytest.fixture(scope="session")
def replica():
    """A replica of the portal's API on a free port of 127.0.0.1."""
    from widgets.replica import start_replica

    handle = start_replica(port=0)
    yield handle
    handle.stop()


@pytest.fixture
def replica_source(replica):
    """An ApiSource whose client talks to the replica."""
    from widgets.api_source import ApiSource
    from widgets.portal import PortalClient

    client = PortalClient(replica.api_url)
    yield ApiSource(client, "configured")
    client.close()
