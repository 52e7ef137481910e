"""Tests of the map layers built offline from the registered files."""

import json

import numpy as np
import pytest

from widgets.apps.tables import load_geojson, load_text_table
from widgets.connectivity import forced_offline, tiles_reachable
from widgets.geo import CoordinateError, distance_metres, parse_decimal
from widgets.map_layers import (
    GEOMETRY,
    MAP_SOURCES,
    MONTREAL_BASE,
    QUEBEC_BASE,
    _thin,
    base_layer_for,
    build_view,
    collection_bounds,
    data_layer,
    detection_notes,
    fit,
    get_source,
    points_in_quebec,
)


def test_piscines_lonlat():
    layer = data_layer("piscines-montreal", ("LONG", "LAT"))
    assert layer.detection.kind == "lonlat"
    assert layer.size + layer.dropped == len(load_text_table("piscines-montreal"))


def test_piscines_mtm_zone_8():
    layer = data_layer("piscines-montreal", ("POINT_X", "POINT_Y"))
    assert layer.detection.kind == "mtm"
    assert layer.detection.zone == 8


def test_piscines_mtm_near_reference():
    table = load_text_table("piscines-montreal")
    projected = data_layer("piscines-montreal", ("POINT_X", "POINT_Y"))
    points = np.array(
        [f["geometry"]["coordinates"] for f in projected.collection["features"]]
    )
    longitude = parse_decimal(table["LONG"]).values.to_numpy()
    latitude = parse_decimal(table["LAT"]).values.to_numpy()
    gaps = distance_metres(points[:, 0], points[:, 1], longitude, latitude)
    assert np.median(gaps) < 50


def test_piscines_swapped_reported():
    layer = data_layer("piscines-montreal", ("LAT", "LONG"))
    notes = detection_notes(layer, "en")
    assert layer.detection.kind == "latlon"
    assert any("Swapped" in note for note in notes)
    assert points_in_quebec(layer) == 1.0


def test_swapped_points_match_ordered():
    ordered = data_layer("velos-compteurs", ("Longitude", "Latitude"))
    swapped = data_layer("velos-compteurs", ("Latitude", "Longitude"))
    assert swapped.detection.kind == "latlon"
    assert swapped.collection == ordered.collection


def test_rues_pietonnes_mtm_properties():
    layer = data_layer("rues-pietonnes-montreal", ("X", "Y"))
    assert layer.detection.zone == 8
    assert layer.size == len(load_geojson("rues-pietonnes-montreal")["features"])


def test_rues_pietonnes_geometry_points():
    layer = data_layer("rues-pietonnes-montreal", (GEOMETRY, GEOMETRY))
    types = {f["geometry"]["type"] for f in layer.collection["features"]}
    assert types == {"Point"}


@pytest.mark.parametrize("dataset_id", [MONTREAL_BASE, QUEBEC_BASE])
def test_polygons_in_degrees(dataset_id):
    layer = data_layer(dataset_id, (GEOMETRY, GEOMETRY))
    assert layer.detection.kind == "lonlat"
    assert layer.size == len(load_geojson(dataset_id)["features"])
    assert points_in_quebec(layer) == 1.0


def test_geometry_smaller_than_file():
    layer = data_layer(QUEBEC_BASE, (GEOMETRY, GEOMETRY))
    original = json.dumps(load_geojson(QUEBEC_BASE)["features"])
    assert len(json.dumps(layer.collection)) < len(original) / 2


def test_rings_stay_closed():
    layer = data_layer(QUEBEC_BASE, (GEOMETRY, GEOMETRY))
    for feature in layer.collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]]
            if geometry["type"] == "Polygon"
            else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                assert ring[0] == ring[-1]
                assert len(ring) >= 4


def test_thin_keeps_short_lines():
    line = [[0.0, 0.0], [0.00001, 0.0], [0.00002, 0.0]]
    assert _thin(line) == line


def test_base_for_quebec_points():
    layer = data_layer(QUEBEC_BASE, (GEOMETRY, GEOMETRY))
    assert base_layer_for(layer.bounds()).dataset_id == QUEBEC_BASE


def test_base_for_montreal_points():
    layer = data_layer("velos-compteurs", ("Longitude", "Latitude"))
    assert base_layer_for(layer.bounds()).dataset_id == MONTREAL_BASE


def test_view_centre_inside_bounds():
    view = build_view("piscines-montreal", ("LONG", "LAT"))
    west, south, east, north = view.data.bounds()
    latitude, longitude = view.center
    assert south <= latitude <= north
    assert west <= longitude <= east


def test_fit_smaller_area_zooms_in():
    _, wide = fit((-74.0, 45.4, -73.4, 45.7))
    _, narrow = fit((-73.6, 45.50, -73.55, 45.52))
    assert narrow > wide


def test_collection_bounds_empty():
    assert collection_bounds({"type": "FeatureCollection", "features": []}) is None


def test_every_source_builds():
    for dataset_id, source in MAP_SOURCES.items():
        for pair in source.pairs:
            view = build_view(dataset_id, pair)
            assert view.data.size > 0, (dataset_id, pair)


def test_unknown_source():
    with pytest.raises(CoordinateError, match="urgences-msss"):
        get_source("urgences-msss")


def test_unrecognised_columns():
    with pytest.raises(CoordinateError):
        data_layer("piscines-montreal", ("ID_UEV", "LONG"))


def test_offline_sends_no_tile_check(monkeypatch):
    monkeypatch.setenv("DONNEESQC_OFFLINE", "1")
    assert forced_offline() is True
    assert tiles_reachable() is False
