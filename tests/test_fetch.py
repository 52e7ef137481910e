"""Verified fetching: mirror checks, portal failures and new portal versions.

The portal is a local HTTP server on 127.0.0.1 (tests/local_portal.py). A
dataset points at it because the tests replace the registry lookup of
widgets.fetch, and only that, with a copy of the entry whose download_url
differs.
"""

import dataclasses
import hashlib
import json
import warnings

import pytest

from tests.local_portal import closed_port_url, serve
from widgets import fetch as fetch_module
from widgets.errors import (
    ChecksumMismatchError,
    DownloadError,
    MissingColumnsError,
    UnknownDatasetError,
)
from widgets.fetch import NewVersionWarning, accepted_versions, fetch
from widgets.reader import read_dataset
from widgets.registry import get_dataset

DATASET = "velos-compteurs"
NEW_ROW = b"999,,Nouveau compteur,Actif,45.5,-73.6,2024\r\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Use an empty cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DONNEESQC_CACHE", str(folder))
    return folder


@pytest.fixture
def portal(cache, monkeypatch):
    """Fetch from the portal: no mirror, empty cache."""
    monkeypatch.delenv("DONNEESQC_MIRROR", raising=False)
    return cache


@pytest.fixture
def original(snapshot_dir):
    """Return the registered bytes of DATASET."""
    return (snapshot_dir / get_dataset(DATASET).mirror_path).read_bytes()


def use_download_url(monkeypatch, dataset_id, url):
    """Make fetch see ``dataset_id`` with ``url`` as its download_url."""
    changed = dataclasses.replace(get_dataset(dataset_id), download_url=url)
    registry_lookup = fetch_module.get_dataset

    def lookup(name):
        return changed if name == dataset_id else registry_lookup(name)

    monkeypatch.setattr(fetch_module, "get_dataset", lookup)
    return changed


def make_mirror(tmp_path, snapshot_dir, dataset_id, content):
    """Make a mirror folder whose file for ``dataset_id`` contains ``content``."""
    dataset = get_dataset(dataset_id)
    mirror = tmp_path / "mirror"
    target = mirror / dataset.mirror_path
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    return mirror


def partial_files(folder):
    return sorted(path.name for path in folder.rglob("*") if ".part-" in path.name)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# Registry and mirror.


def test_unknown_id():
    with pytest.raises(UnknownDatasetError) as caught:
        fetch("velos-compteur")
    assert "'velos-compteur'" in caught.value.message_en
    assert "velos-compteurs" in caught.value.message_en
    assert "datasets list" in caught.value.message_en


def test_unknown_id_through_reader():
    with pytest.raises(UnknownDatasetError):
        read_dataset("inconnu")


def test_mirror_file_verified(snapshot_dir):
    path = fetch(DATASET)
    assert path == snapshot_dir / get_dataset(DATASET).mirror_path


def test_truncated_mirror_file(tmp_path, snapshot_dir, original, monkeypatch):
    mirror = make_mirror(
        tmp_path, snapshot_dir, DATASET, original[: len(original) // 2]
    )
    monkeypatch.setenv("DONNEESQC_MIRROR", str(mirror))
    with pytest.raises(ChecksumMismatchError) as caught:
        fetch(DATASET)
    assert f"'{DATASET}'" in caught.value.message_en
    assert get_dataset(DATASET).sha256 in caught.value.message_en
    assert f"datasets accept {DATASET}" in caught.value.message_en


def test_truncated_mirror_file_through_reader(
    tmp_path, snapshot_dir, original, monkeypatch
):
    mirror = make_mirror(tmp_path, snapshot_dir, DATASET, original[:-10])
    monkeypatch.setenv("DONNEESQC_MIRROR", str(mirror))
    with pytest.raises(ChecksumMismatchError):
        read_dataset(DATASET)


def test_modified_mirror_file(tmp_path, snapshot_dir, original, monkeypatch):
    modified = original.replace(b"Berri1", b"Berri2", 1)
    mirror = make_mirror(tmp_path, snapshot_dir, DATASET, modified)
    monkeypatch.setenv("DONNEESQC_MIRROR", str(mirror))
    with pytest.raises(ChecksumMismatchError) as caught:
        fetch(DATASET)
    assert sha256(modified) in caught.value.message_en


def test_missing_mirror_file(tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("DONNEESQC_MIRROR", str(tmp_path / "mirror"))
    with pytest.raises(DownloadError) as caught:
        fetch(DATASET)
    assert "File not found in the mirror" in caught.value.message_en
    assert "localisation_des_compteurs_velo.csv" in caught.value.message_en


def test_mirror_not_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DONNEESQC_MIRROR", str(tmp_path / "absent"))
    with pytest.raises(DownloadError) as caught:
        fetch(DATASET)
    assert "is not a folder" in caught.value.message_en


# Portal failures.


def test_portal_not_found(portal, monkeypatch):
    with serve({}) as base:
        url = f"{base}/absent.csv"
        use_download_url(monkeypatch, DATASET, url)
        with pytest.raises(DownloadError) as caught:
            fetch(DATASET)
    assert "HTTP 404" in caught.value.message_en
    assert url in caught.value.message_en
    assert "DONNEESQC_MIRROR" in caught.value.message_en
    assert partial_files(portal) == []
    assert not (portal / DATASET / get_dataset(DATASET).filename).exists()


def test_portal_connection_refused(portal, monkeypatch):
    url = closed_port_url()
    use_download_url(monkeypatch, DATASET, url)
    with pytest.raises(DownloadError) as caught:
        fetch(DATASET)
    assert "Could not reach" in caught.value.message_en
    assert url in caught.value.message_en
    assert partial_files(portal) == []


def test_portal_without_download_url(portal):
    with pytest.raises(DownloadError) as caught:
        fetch(DATASET)
    assert "no longer serves" in caught.value.message_en


def test_portal_download_verified(portal, original, monkeypatch):
    with serve({"/compteurs.csv": original}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        path = fetch(DATASET)
    assert path.read_bytes() == original
    assert path.parent.parent == portal


def test_portal_changed_file_strict(portal, original, monkeypatch):
    with serve({"/compteurs.csv": original + NEW_ROW}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.raises(ChecksumMismatchError):
            fetch(DATASET)
    assert partial_files(portal) == []
    assert not (portal / DATASET / get_dataset(DATASET).filename).exists()


# New versions in interactive mode.


def test_new_version_accepted(portal, original, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    changed = original + NEW_ROW
    with serve({"/compteurs.csv": changed}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.warns(NewVersionWarning, match=sha256(changed)):
            path = fetch(DATASET)
    assert path.read_bytes() == changed
    assert accepted_versions()[DATASET]["sha256"] == sha256(changed)


def test_accepted_version_reused_silently(portal, original, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    with serve({"/compteurs.csv": original + NEW_ROW}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.warns(NewVersionWarning):
            first = fetch(DATASET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = fetch(DATASET)
    assert second == first


def test_new_version_read_by_reader(portal, original, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    with serve({"/compteurs.csv": original + NEW_ROW}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.warns(NewVersionWarning):
            df, _ = read_dataset(DATASET)
    assert df["Nom"].iloc[-1] == "Nouveau compteur"


def test_new_version_lacking_columns(portal, original, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    without_status = original.replace(b"Statut", b"Etat", 1)
    with serve({"/compteurs.csv": without_status}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.raises(MissingColumnsError) as caught:
            fetch(DATASET)
    assert "['Statut']" in caught.value.message_en
    assert accepted_versions() == {}
    assert partial_files(portal) == []
    assert not (portal / DATASET / get_dataset(DATASET).filename).exists()


def test_new_version_not_a_table(portal, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    with serve({"/compteurs.csv": b"PK\x03\x04\x00\x00binary"}) as base:
        use_download_url(monkeypatch, DATASET, f"{base}/compteurs.csv")
        with pytest.raises(ChecksumMismatchError):
            fetch(DATASET)
    assert accepted_versions() == {}
    assert partial_files(portal) == []


def test_new_geojson_version_accepted(portal, monkeypatch):
    monkeypatch.setenv("DONNEESQC_STRICT", "0")
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ID": 1, "NOM": "Saint-Roch", "SUPERFICIE": 1.5},
                "geometry": None,
            }
        ],
    }
    changed = json.dumps(document).encode()
    with serve({"/quartiers.geojson": changed}) as base:
        use_download_url(monkeypatch, "quartiers-quebec", f"{base}/quartiers.geojson")
        with pytest.warns(NewVersionWarning):
            fetch("quartiers-quebec")
    assert accepted_versions()["quartiers-quebec"]["sha256"] == sha256(changed)
