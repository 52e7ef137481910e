"""The reader on every registered portal file, checked against the mirror's manifest.

The manifest (manifest.json in the mirror folder) was written when the
files were collected: it gives each file's row or feature count and its
columns as they appear in the file.
"""

import functools
import json

import pandas as pd
import pytest

from widgets.errors import ReadError
from widgets.fetch import fetch
from widgets.reader import load as load_uncached
from widgets.reader import read_columns
from widgets.reader import read_dataset as read_dataset_uncached
from widgets.registry import get_dataset, list_datasets

GEOMETRY_COLUMNS = {"geometry_type", "geometry"}
POINT_COLUMNS = {"longitude", "latitude"}


@functools.cache
def read_dataset(dataset_id):
    """Read each dataset once for the whole module; tests do not modify the tables."""
    return read_dataset_uncached(dataset_id)


def load(dataset_id):
    return read_dataset(dataset_id).data


TABLES = [
    dataset.id for dataset in list_datasets() if dataset.kind != "ckan_scheming_schema"
]


@pytest.fixture(scope="module")
def manifest(snapshot_dir):
    """Return the manifest entries of the mirror, by path."""
    files = json.loads((snapshot_dir / "manifest.json").read_text("utf-8"))["files"]
    return {entry["local_path"]: entry for entry in files}


def entry_for(manifest, dataset_id):
    return manifest[get_dataset(dataset_id).mirror_path]


def expected_columns(entry):
    return [name.strip() for name in entry.get("columns", [])]


@pytest.mark.parametrize("dataset_id", TABLES)
def test_row_count_matches_manifest(dataset_id, manifest):
    entry = entry_for(manifest, dataset_id)
    expected = entry.get("rows") or entry.get("features") or entry.get("records")
    df, report = read_dataset(dataset_id)
    assert len(df) == expected
    assert report.n_rows == expected


@pytest.mark.parametrize(
    "dataset_id", [name for name in TABLES if get_dataset(name).is_tabular]
)
def test_csv_columns_match_manifest(dataset_id, manifest):
    df, _ = read_dataset(dataset_id)
    assert list(df.columns) == expected_columns(entry_for(manifest, dataset_id))


@pytest.mark.parametrize(
    "dataset_id", [name for name in TABLES if get_dataset(name).is_geojson]
)
def test_geojson_columns_match_manifest(dataset_id, manifest):
    entry = entry_for(manifest, dataset_id)
    df, _ = read_dataset(dataset_id)
    added = GEOMETRY_COLUMNS | (
        POINT_COLUMNS if "Point" in entry["geometry_types"] else set()
    )
    assert list(df.columns[: len(entry["columns"])]) == expected_columns(entry)
    assert set(df.columns[len(entry["columns"]) :]) == added


@pytest.mark.parametrize(
    "dataset_id", [name for name in TABLES if get_dataset(name).is_geojson]
)
def test_geojson_geometry_types_match_manifest(dataset_id, manifest):
    entry = entry_for(manifest, dataset_id)
    df, _ = read_dataset(dataset_id)
    assert set(df["geometry_type"]) == set(entry["geometry_types"])


def test_api_columns_are_the_csv_columns(manifest):
    df, _ = read_dataset("repertoire-municipalites-api")
    csv_columns = expected_columns(entry_for(manifest, "repertoire-municipalites"))
    assert list(df.columns) == ["_id", *csv_columns]


def test_api_and_csv_agree_on_types():
    api = load("repertoire-municipalites-api")
    csv = load("repertoire-municipalites")
    for name in ("msuperf", "mpopul", "mdatcons", "mcode"):
        assert api[name].dtype == csv[name].dtype, name


def test_api_and_csv_agree_on_values():
    # Homonymous municipalities come in another order in the two files: join on mcode.
    api = load("repertoire-municipalites-api").set_index("mcode").sort_index()
    csv = load("repertoire-municipalites").set_index("mcode").sort_index()
    pd.testing.assert_series_equal(api["mpopul"], csv["mpopul"])
    pd.testing.assert_series_equal(api["mdatcons"], csv["mdatcons"])
    pd.testing.assert_series_equal(api["msuperf"], csv["msuperf"])


@pytest.mark.parametrize("dataset_id", TABLES)
def test_read_columns_matches_table(dataset_id):
    dataset = get_dataset(dataset_id)
    columns = read_columns(fetch(dataset_id), dataset)
    df, _ = read_dataset(dataset_id)
    assert columns == list(df.columns[: len(columns)])


def test_read_columns_of_schema():
    dataset = get_dataset("schema-metadonnees-donnees-quebec")
    columns = read_columns(fetch(dataset.id), dataset)
    assert "license_id" in columns


def test_schema_is_not_a_table():
    with pytest.raises(ReadError, match="not a table|pas un tableau"):
        read_dataset_uncached("schema-metadonnees-donnees-quebec")


def test_load_returns_the_table():
    df = load_uncached("velos-compteurs")
    assert list(df.columns[:3]) == ["ID", "Ancien_ID", "Nom"]


def test_municipal_codes_keep_leading_zeros():
    df = load("repertoire-municipalites")
    assert df["mcode"].str.startswith("0").any()
    assert df["mcode"].str.len().eq(5).all()


def test_municipalities_first_row():
    df = load("repertoire-municipalites")
    first = df.iloc[0]
    assert first["mcode"] == "46005"
    assert first["msuperf"] == 26.97
    assert first["mpopul"] == 370
    assert first["mdatcons"] == pd.Timestamp("1929-06-25")


def test_bike_counts_2019_dates_day_first():
    df = load("velos-comptage-2019")
    assert df["Date"].iloc[0] == pd.Timestamp("2019-01-01 00:00")
    assert df["Date"].iloc[-1] == pd.Timestamp("2019-12-31 23:45")


def test_bike_counts_2019_short_rows_reported():
    _, report = read_dataset("velos-comptage-2019")
    note = next(note for note in report.notes if note.code == "ragged_rows")
    assert note.en.startswith(
        "35,040 row(s) have fewer fields (46) than the header (47)"
    )


def test_bike_counts_2012_ragged_and_empty():
    df, report = read_dataset("velos-comptage-2012")
    assert df["Brébeuf (données non disponibles)"].isna().all()
    assert df["Date"].iloc[0] == pd.Timestamp("2012-01-01")
    assert "ragged_rows" in report.codes


def test_emergency_header_and_permit_numbers():
    df = load("urgences-msss")
    assert df.columns[1] == "Nom_installation"
    assert df["No_permis_installation"].iloc[0] == "51218980"
    assert df["Mise_a_jour"].iloc[0] == pd.Timestamp("2022-10-24 10:45")


def test_pools_decimal_comma_coordinates():
    df = load("piscines-montreal")
    assert df["POINT_X"].iloc[0] == 294151.2717
    assert df["LONG"].iloc[0] == -73.63639


def test_pedestrian_streets_points():
    df, report = read_dataset("rues-pietonnes-montreal")
    assert df["longitude"].tolist() == df["LONGITUDE"].tolist()
    assert "mostly_dates" in report.codes


def test_neighbourhoods_mixed_geometry():
    _, report = read_dataset("quartiers-quebec")
    assert "mixed_geometry" in report.codes


def test_registry_hints_reported():
    _, report = read_dataset("urgences-msss")
    assert "registry_hints" in report.codes
    assert (
        report.source
        == "urgences-msss (Releve_horaire_urgences_7jours_2022-10-24T10h45.csv)"
    )
