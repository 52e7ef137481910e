"""Tests of coordinate parsing, detection and conversion on real Québec files."""

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from widgets.geo import (
    CoordinateError,
    add_wgs84_columns,
    detect_coordinates,
    distance_metres,
    mtm_epsg,
    mtm_zone_for_longitude,
    parse_decimal,
)


def test_parse_decimal_comma():
    parsed = parse_decimal(["294151,2717", "12.5", "-3", ""])
    assert parsed.values.tolist()[:3] == [294151.2717, 12.5, -3.0]
    assert parsed.decimal_comma == 1


def test_parse_decimal_invalid_counted():
    parsed = parse_decimal(["1,5", "n/d", None])
    assert parsed.invalid == 1
    assert np.isnan(parsed.values.iloc[1])


def test_parse_decimal_repairs_lost_separator():
    parsed = parse_decimal(["5055625,72", "5045855457", "5037766,346"])
    assert parsed.repaired == 1
    assert parsed.values.iloc[1] == pytest.approx(5045855.457)


def test_parse_decimal_no_repair_without_separator():
    parsed = parse_decimal(["5045855457", "12"])
    assert parsed.repaired == 0


def test_parse_decimal_no_repair_mixed_magnitudes():
    parsed = parse_decimal(["1,5", "22,5", "333,5", "4444"])
    assert parsed.repaired == 0


def test_parse_decimal_numbers_pass_through():
    assert parse_decimal([1.25, 3]).values.tolist() == [1.25, 3.0]


def test_piscines_columns_need_repair(piscines):
    assert parse_decimal(piscines["POINT_Y"]).repaired > 0
    assert parse_decimal(piscines["POINT_X"]).decimal_comma > 0


def test_piscines_mtm8_matches_long_lat(piscines):
    converted, detection = add_wgs84_columns(
        piscines, "POINT_X", "POINT_Y", reference_columns=("LONG", "LAT")
    )
    assert detection.epsg == 32188
    gaps = distance_metres(
        converted["longitude"],
        converted["latitude"],
        piscines["LONG"].astype(float),
        piscines["LAT"].astype(float),
    )
    assert not np.isnan(gaps).any()
    # The file's LONG/LAT carry 6 decimals (about 0.1 m) and NAD83 differs
    # from WGS84 by about a metre here.
    assert gaps.max() < 3.0


def test_piscines_zone_needed_without_reference(piscines):
    with pytest.raises(CoordinateError) as info:
        add_wgs84_columns(piscines, "POINT_X", "POINT_Y")
    assert "zone unknown" in info.value.message_en


def test_piscines_zone_given(piscines):
    _, detection = add_wgs84_columns(piscines, "POINT_X", "POINT_Y", zone=8)
    assert detection.zone == 8


def test_rues_pietonnes_xy_match(rues_pietonnes):
    converted, detection = add_wgs84_columns(rues_pietonnes, "X", "Y", zone=8)
    gaps = distance_metres(
        converted["longitude"],
        converted["latitude"],
        rues_pietonnes["LONGITUDE"],
        rues_pietonnes["LATITUDE"],
    )
    assert detection.kind == "mtm"
    assert gaps.max() < 0.01


def test_rues_pietonnes_csrs_variant(rues_pietonnes):
    converted, detection = add_wgs84_columns(
        rues_pietonnes, "X", "Y", zone=8, datum="NAD83(CSRS)"
    )
    gaps = distance_metres(
        converted["longitude"],
        converted["latitude"],
        rues_pietonnes["LONGITUDE"],
        rues_pietonnes["LATITUDE"],
    )
    assert detection.epsg == 2950
    assert gaps.max() < 3.0


def test_rues_pietonnes_reference_picks_zone8(rues_pietonnes):
    _, detection = add_wgs84_columns(
        rues_pietonnes, "X", "Y", reference_columns=("LONGITUDE", "LATITUDE")
    )
    assert detection.zone == 8


def test_swapped_columns_detected(rues_pietonnes):
    converted, detection = add_wgs84_columns(rues_pietonnes, "LATITUDE", "LONGITUDE")
    assert detection.kind == "latlon"
    assert np.allclose(converted["longitude"], rues_pietonnes["LONGITUDE"])


def test_lonlat_detected(registered_csv):
    counters = registered_csv("velos-compteurs")
    detection = detect_coordinates(
        parse_decimal(counters["Longitude"]).values,
        parse_decimal(counters["Latitude"]).values,
    )
    assert detection.kind == "lonlat"


def test_decimal_comma_degrees():
    df = pd.DataFrame({"lon": ["-71,2080", "-71,2254"], "lat": ["46,8139", "46,8031"]})
    converted, detection = add_wgs84_columns(df, "lon", "lat")
    assert detection.kind == "lonlat"
    assert converted["latitude"].tolist() == [46.8139, 46.8031]


def test_mtm7_round_trip_quebec_city():
    # Known point: Château Frontenac, Québec City (zone 7).
    lon, lat = -71.2054, 46.8118
    x, y = Transformer.from_crs(4326, 32187, always_xy=True).transform(lon, lat)
    df = pd.DataFrame(
        {"x": [f"{x:.3f}".replace(".", ",")], "y": [f"{y:.3f}".replace(".", ",")]}
    )
    converted, _ = add_wgs84_columns(df, "x", "y", zone=7)
    assert converted["longitude"].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert converted["latitude"].iloc[0] == pytest.approx(lat, abs=1e-6)


def test_quebec_lambert_detected():
    transformer = Transformer.from_crs(4326, 32198, always_xy=True)
    x, y = transformer.transform([-71.2, -73.6, -68.5], [46.8, 45.5, 48.4])
    assert detect_coordinates(np.array(x), np.array(y)).kind == "lambert"


def test_points_outside_quebec_dropped():
    df = pd.DataFrame({"lon": [-73.6] * 9 + [2.35], "lat": [45.5] * 9 + [48.85]})
    converted, _ = add_wgs84_columns(df, "lon", "lat")
    assert converted["longitude"].isna().sum() == 1


def test_unknown_system_raises():
    df = pd.DataFrame({"a": ["1", "2"], "b": ["3", "4"]})
    with pytest.raises(CoordinateError) as info:
        add_wgs84_columns(df, "a", "b")
    assert "not recognised" in info.value.message_en


def test_missing_column_raises(piscines):
    with pytest.raises(CoordinateError) as info:
        add_wgs84_columns(piscines, "X", "Y")
    assert "Column not found: 'X'" in info.value.message_en


def test_zone_for_longitude():
    assert mtm_zone_for_longitude(-73.6) == 8
    assert mtm_zone_for_longitude(-71.2) == 7


def test_mtm_epsg_codes():
    assert mtm_epsg(8) == 32188
    assert mtm_epsg(7, "NAD83(CSRS)") == 2949


def test_mtm_zone_outside_quebec():
    with pytest.raises(CoordinateError):
        mtm_epsg(12)


def test_detection_message_bilingual():
    detection = detect_coordinates(np.array([45.5, 46.8]), np.array([-73.6, -71.2]))
    assert "Swapped" in detection.message("en")
    assert "inversées" in detection.message("fr")
