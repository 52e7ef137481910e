"""Tests of the point-in-polygon join and of distances to a polygon's edge."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from widgets.geo import (
    CoordinateError,
    boundary_distance_metres,
    contains_points,
    locate_points,
)
from widgets.reader import load

SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]
HOLE = [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]
FAR_SQUARE = [[20.0, 0.0], [30.0, 0.0], [30.0, 10.0], [20.0, 10.0], [20.0, 0.0]]
POLYGON_WITH_HOLE = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
TWO_SQUARES = {"type": "MultiPolygon", "coordinates": [[SQUARE], [FAR_SQUARE]]}
EN_DASH = "\u2013"


def _mtm8_square(side: float) -> dict:
    """Return a square of ``side`` metres drawn in MTM zone 8, as WGS84 GeoJSON."""
    to_degrees = Transformer.from_crs(32188, 4326, always_xy=True)
    corners = [(0, 0), (side, 0), (side, side), (0, side), (0, 0)]
    ring = [
        list(to_degrees.transform(300_000 + dx, 5_040_000 + dy)) for dx, dy in corners
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _mtm8_point(dx: float, dy: float) -> tuple[float, float]:
    to_degrees = Transformer.from_crs(32188, 4326, always_xy=True)
    return to_degrees.transform(300_000 + dx, 5_040_000 + dy)


def test_contains_inside_ring():
    inside = contains_points(POLYGON_WITH_HOLE, [2.0], [2.0])
    assert inside.tolist() == [True]


def test_contains_hole_is_outside():
    inside = contains_points(POLYGON_WITH_HOLE, [5.0], [5.0])
    assert inside.tolist() == [False]


def test_contains_outside_box():
    inside = contains_points(POLYGON_WITH_HOLE, [15.0, -1.0], [5.0, 5.0])
    assert inside.tolist() == [False, False]


def test_contains_concave_notch():
    # A U shape: the notch between the arms is outside.
    ring = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    inside = contains_points(
        {"type": "Polygon", "coordinates": [ring]}, [1.5, 0.5], [2, 2]
    )
    assert inside.tolist() == [False, True]


def test_contains_multipolygon_parts():
    inside = contains_points(TWO_SQUARES, [5.0, 25.0, 15.0], [5.0, 5.0, 5.0])
    assert inside.tolist() == [True, True, False]


def test_contains_nan_point_outside():
    inside = contains_points(POLYGON_WITH_HOLE, [np.nan], [2.0])
    assert inside.tolist() == [False]


def test_contains_rejects_point_geometry():
    with pytest.raises(CoordinateError) as info:
        contains_points({"type": "Point", "coordinates": [0, 0]}, [0.0], [0.0])
    assert "'Point'" in info.value.message_en


def test_locate_first_polygon_wins():
    found = locate_points([2.0], [2.0], [POLYGON_WITH_HOLE, TWO_SQUARES], ["a", "b"])
    assert found.tolist() == ["a"]


def test_locate_unplaced_is_missing():
    found = locate_points([15.0], [5.0], [POLYGON_WITH_HOLE], ["a"])
    assert found.isna().all()


def test_locate_skips_bad_geometry():
    point = {"type": "Point", "coordinates": [2, 2]}
    found = locate_points([2.0], [2.0], [point, POLYGON_WITH_HOLE], ["p", "a"])
    assert found.tolist() == ["a"]


def test_locate_pools_in_declared_boroughs():
    pools = load("piscines-montreal")
    boroughs = load("limites-administratives-montreal")
    found = locate_points(
        pools["LONG"], pools["LAT"], boroughs["geometry"], boroughs["NOM"]
    )
    declared = pools["ARRONDISSE"].str.replace(EN_DASH, "-")
    assert found.notna().all()
    assert (found == declared).mean() > 0.9


def test_locate_quebec_multipolygon_part():
    quarters = load("quartiers-quebec")
    multi = quarters[quarters["geometry_type"] == "MultiPolygon"].iloc[0]
    # The centre of the vertices of the feature's smallest part, a small
    # polygon separate from the feature's main part.
    smallest = min(multi["geometry"]["coordinates"], key=lambda part: len(part[0]))
    centre = np.asarray(smallest[0])[:, :2].mean(axis=0)
    found = locate_points(
        [centre[0]], [centre[1]], quarters["geometry"], quarters["NOM"]
    )
    assert found.tolist() == [multi["NOM"]]


def test_boundary_distance_outside():
    distance = boundary_distance_metres(_mtm8_square(1000), *_mtm8_point(1100, 500))
    assert distance[0] == pytest.approx(100, abs=0.01)


def test_boundary_distance_inside():
    distance = boundary_distance_metres(_mtm8_square(1000), *_mtm8_point(500, 300))
    assert distance[0] == pytest.approx(300, abs=0.01)


def test_boundary_distance_corner():
    distance = boundary_distance_metres(_mtm8_square(1000), *_mtm8_point(1300, 1400))
    assert distance[0] == pytest.approx(500, abs=0.01)


def test_boundary_distance_nan_point():
    distance = boundary_distance_metres(_mtm8_square(1000), [np.nan], [45.5])
    assert np.isnan(distance[0])
