"""Build the layers of the map view from registered files, with no tile server.

A map has a base layer drawn from a registered boundary file (Montréal's
boroughs and linked cities, or Québec City's neighbourhoods, whichever is
nearer the data) and a data layer: points from two coordinate columns of
a table, or the geometries of a GeoJSON file. Coordinates are checked with
:mod:`widgets.geo` before they are drawn: projected MTM metres are
converted to degrees, swapped longitude and latitude columns are put back
in order and reported, and rows with no usable coordinates are counted.

Every layer is a GeoJSON FeatureCollection in WGS84 longitude and latitude
with coordinates rounded to 5 decimals (about 1 m) and vertices closer
than about 10 m dropped, which keeps what the page receives small.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from widgets.apps.tables import load_geojson, read_registered_table
from widgets.geo import (
    CoordinateDetection,
    CoordinateError,
    add_wgs84_columns,
    detect_coordinates,
    in_quebec,
    to_wgs84,
)
from widgets.i18n import pick

logger = logging.getLogger(__name__)

GEOMETRY = "geometry"
DECIMALS = 5
# Vertices of lines and rings closer than this (degrees, about 10 m) to the
# previous one are dropped. A pixel spans about 27 m at zoom 12 at Montréal's
# latitude, so the map looks the same, and Québec City's neighbourhoods
# shrink to about half their size.
THIN_TOLERANCE = 1e-4
MONTREAL_BASE = "limites-administratives-montreal"
QUEBEC_BASE = "quartiers-quebec"
BASE_LABELS = {
    MONTREAL_BASE: (
        "arrondissements et villes liées de Montréal",
        "Montréal's boroughs and linked cities",
    ),
    QUEBEC_BASE: ("quartiers de la ville de Québec", "Québec City's neighbourhoods"),
}
# Centres of the two base layers (longitude, latitude), to pick the nearer one.
BASE_CENTRES = {MONTREAL_BASE: (-73.7, 45.55), QUEBEC_BASE: (-71.3, 46.85)}
# The map widget's size in pixels, used to choose a zoom that fits the data.
MAP_WIDTH_PX = 900
MAP_HEIGHT_PX = 520
TILE_PX = 256
MAX_ZOOM = 16


@dataclass(frozen=True)
class MapSource:
    """A registered file the map can draw, and how.

    ``pairs`` are the (x, y) coordinate columns offered, x first (longitude
    or easting); ``"geometry"`` draws a GeoJSON file's own geometries.
    ``reference`` names longitude and latitude columns that tell the MTM zone.
    """

    dataset_id: str
    label_column: str
    pairs: tuple[tuple[str, str], ...]
    reference: tuple[str, str] | None = None


MAP_SOURCES: dict[str, MapSource] = {
    source.dataset_id: source
    for source in (
        MapSource(
            "piscines-montreal",
            "NOM",
            (("LONG", "LAT"), ("POINT_X", "POINT_Y"), ("LAT", "LONG")),
            reference=("LONG", "LAT"),
        ),
        MapSource(
            "velos-compteurs",
            "Nom",
            (("Longitude", "Latitude"), ("Latitude", "Longitude")),
        ),
        MapSource(
            "rues-pietonnes-montreal",
            "NOM_PROJET",
            ((GEOMETRY, GEOMETRY), ("LONGITUDE", "LATITUDE"), ("X", "Y")),
            reference=("LONGITUDE", "LATITUDE"),
        ),
        MapSource("limites-administratives-montreal", "NOM", ((GEOMETRY, GEOMETRY),)),
        MapSource("quartiers-quebec", "NOM", ((GEOMETRY, GEOMETRY),)),
    )
}


@dataclass
class MapLayer:
    """A FeatureCollection in WGS84 degrees, with what was found on the way.

    ``dropped`` counts rows or features left out because their coordinates
    are missing, unreadable or outside Québec.
    """

    dataset_id: str
    collection: dict
    detection: CoordinateDetection | None = None
    dropped: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of features drawn."""
        return len(self.collection["features"])

    def bounds(self) -> tuple[float, float, float, float] | None:
        """Return ``(west, south, east, north)`` of the features, or None if empty."""
        return collection_bounds(self.collection)


@dataclass
class MapView:
    """The content of a map: a base layer, a data layer, its centre and zoom."""

    base: MapLayer
    data: MapLayer
    center: tuple[float, float]
    zoom: int

    def base_label(self, language: str | None = None) -> str:
        """Return the name of the base layer, in ``language``."""
        return pick(*BASE_LABELS[self.base.dataset_id], language)


def get_source(dataset_id: str) -> MapSource:
    """Return how the map draws ``dataset_id``.

    Raises
    ------
    CoordinateError
        If the dataset has no coordinates the map can use.
    """
    if dataset_id not in MAP_SOURCES:
        raise CoordinateError(
            fr=f"Le jeu de données {dataset_id!r} n'a pas de coordonnées que la carte "
            f"sait lire. Choix : {', '.join(MAP_SOURCES)}.",
            en=f"The dataset {dataset_id!r} has no coordinates the map can read. "
            f"Choices: {', '.join(MAP_SOURCES)}.",
        )
    return MAP_SOURCES[dataset_id]


def points_layer(
    dataset_id: str,
    df: pd.DataFrame,
    x_column: str,
    y_column: str,
    *,
    label_column: str | None = None,
    reference: tuple[str, str] | None = None,
) -> MapLayer:
    """Return the rows of ``df`` as points, from the columns ``x_column`` and ``y_column``.

    The coordinate system is detected (:func:`widgets.geo.add_wgs84_columns`):
    degrees, swapped degrees, or MTM metres whose zone comes from the
    ``reference`` longitude and latitude columns.

    Raises
    ------
    CoordinateError
        If a column is missing or the coordinates are not recognised.
    """
    located, detection = add_wgs84_columns(
        df, x_column, y_column, reference_columns=reference
    )
    usable = located["longitude"].notna() & located["latitude"].notna()
    features = []
    for _, row in located[usable].iterrows():
        properties = {
            "label": str(row[label_column]) if label_column else "",
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(row["longitude"]), DECIMALS),
                        round(float(row["latitude"]), DECIMALS),
                    ],
                },
                "properties": properties,
            }
        )
    layer = MapLayer(
        dataset_id,
        {"type": "FeatureCollection", "features": features},
        detection=detection,
        dropped=int((~usable).sum()),
    )
    logger.info(
        "%s (%s, %s): %s, %d points, %d dropped",
        dataset_id,
        x_column,
        y_column,
        detection.kind,
        layer.size,
        layer.dropped,
    )
    return layer


def geometry_layer(dataset_id: str, *, label_column: str | None = None) -> MapLayer:
    """Return the features of a registered GeoJSON file in WGS84 degrees.

    The coordinates of every vertex are checked together: degrees are kept,
    swapped degrees are swapped back, MTM or Québec Lambert metres are
    converted. A GeoJSON ``crs`` member naming another system is not read;
    the numbers decide.

    Raises
    ------
    CoordinateError
        If the coordinates are not recognised, or their MTM zone cannot be determined.
    """
    collection = load_geojson(dataset_id)
    vertices = np.array(list(_vertices(collection)), dtype="float64")
    if vertices.size == 0:
        detection = detect_coordinates(np.array([]), np.array([]))
    else:
        detection = detect_coordinates(vertices[:, 0], vertices[:, 1])
    if not detection.convertible:
        raise CoordinateError(
            fr=f"{dataset_id} : " + detection.message("fr"),
            en=f"{dataset_id}: " + detection.message("en"),
        )
    features = []
    dropped = 0
    for feature in collection.get("features", []):
        geometry = feature.get("geometry")
        if not geometry or not geometry.get("coordinates"):
            dropped += 1
            continue
        properties = feature.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _convert(geometry["coordinates"], detection),
                },
                "properties": {
                    "label": str(properties.get(label_column, ""))
                    if label_column
                    else ""
                },
            }
        )
    return MapLayer(
        dataset_id,
        {"type": "FeatureCollection", "features": features},
        detection=detection,
        dropped=dropped,
    )


def data_layer(dataset_id: str, pair: tuple[str, str]) -> MapLayer:
    """Return the data layer of ``dataset_id`` drawn from ``pair`` (see :class:`MapSource`)."""
    source = get_source(dataset_id)
    if pair == (GEOMETRY, GEOMETRY):
        return geometry_layer(dataset_id, label_column=source.label_column)
    table = read_registered_table(dataset_id)
    reference = (
        source.reference if source.reference and pair != source.reference else None
    )
    return points_layer(
        dataset_id,
        table,
        pair[0],
        pair[1],
        label_column=source.label_column,
        reference=reference,
    )


def base_layer_for(bounds: tuple[float, float, float, float] | None) -> MapLayer:
    """Return the boundary layer whose centre is nearer the centre of ``bounds``."""
    if bounds is None:
        return _base_layer(MONTREAL_BASE)
    west, south, east, north = bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    nearest = min(
        BASE_CENTRES,
        key=lambda key: math.hypot(
            BASE_CENTRES[key][0] - lon, BASE_CENTRES[key][1] - lat
        ),
    )
    return _base_layer(nearest)


def build_view(dataset_id: str, pair: tuple[str, str]) -> MapView:
    """Return the base layer, the data layer, centre and zoom for the map."""
    data = data_layer(dataset_id, pair)
    bounds = data.bounds()
    base = base_layer_for(bounds)
    center, zoom = fit(bounds or base.bounds())
    return MapView(base=base, data=data, center=center, zoom=zoom)


def fit(
    bounds: tuple[float, float, float, float] | None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> tuple[tuple[float, float], int]:
    """Return the ``(latitude, longitude)`` centre and the Web Mercator zoom that fits ``bounds``."""
    if bounds is None:
        return (45.55, -73.7), 10
    west, south, east, north = bounds
    center = ((south + north) / 2, (west + east) / 2)
    lon_span = max(east - west, 1e-6)
    lat_span = max(_mercator_y(north) - _mercator_y(south), 1e-9)
    zoom_x = math.log2(width_px / TILE_PX * 360.0 / lon_span)
    zoom_y = math.log2(height_px / TILE_PX * 2 * math.pi / lat_span)
    zoom = int(max(1, min(MAX_ZOOM, math.floor(min(zoom_x, zoom_y)))))
    return center, zoom


def collection_bounds(collection: dict) -> tuple[float, float, float, float] | None:
    """Return ``(west, south, east, north)`` of a FeatureCollection, or None if empty."""
    vertices = np.array(list(_vertices(collection)), dtype="float64")
    if vertices.size == 0:
        return None
    return (
        float(vertices[:, 0].min()),
        float(vertices[:, 1].min()),
        float(vertices[:, 0].max()),
        float(vertices[:, 1].max()),
    )


def detection_notes(layer: MapLayer, language: str | None = None) -> list[str]:
    """Return sentences for the page: the system found, swaps, conversions, dropped rows."""
    notes = []
    detection = layer.detection
    if detection is not None:
        notes.append(detection.message(language))
        if detection.kind == "latlon":
            notes.append(
                pick(
                    "Les points ont été remis dans l'ordre (longitude, latitude) pour la "
                    "carte; choisissez les colonnes dans cet ordre.",
                    "The points were put back in (longitude, latitude) order for the map; "
                    "choose the columns in that order.",
                    language,
                )
            )
        if detection.kind in ("mtm", "lambert"):
            notes.append(
                pick(
                    "Converties en longitudes et latitudes (WGS84) avec pyproj.",
                    "Converted to longitudes and latitudes (WGS84) with pyproj.",
                    language,
                )
            )
    if layer.dropped:
        notes.append(
            pick(
                f"{layer.dropped} ligne(s) sans coordonnées utilisables (vides, illisibles "
                "ou hors du Québec) ne sont pas dessinées.",
                f"{layer.dropped} row(s) with no usable coordinates (empty, unreadable or "
                "outside Québec) are not drawn.",
                language,
            )
        )
    return notes


@functools.lru_cache(maxsize=4)
def _base_layer(dataset_id: str) -> MapLayer:
    return geometry_layer(dataset_id, label_column="NOM")


def _vertices(collection: dict) -> Iterator[tuple[float, float]]:
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        yield from _positions(geometry.get("coordinates"))


def _positions(coordinates: object) -> Iterator[tuple[float, float]]:
    """Yield every (x, y) position of nested GeoJSON coordinates."""
    if not isinstance(coordinates, list) or not coordinates:
        return
    if isinstance(coordinates[0], (int, float)):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for item in coordinates:
        yield from _positions(item)


def _convert(coordinates: list, detection: CoordinateDetection) -> list:
    """Return nested coordinates in WGS84 degrees, rounded and thinned."""
    if coordinates and _is_position(coordinates[0]):
        return _thin([_convert(item, detection) for item in coordinates])
    if coordinates and isinstance(coordinates[0], (int, float)):
        x, y = float(coordinates[0]), float(coordinates[1])
        if detection.kind == "latlon":
            x, y = y, x
        elif detection.kind != "lonlat":
            lon, lat = to_wgs84(np.array([x]), np.array([y]), detection.epsg)
            x, y = float(lon[0]), float(lat[0])
        return [round(x, DECIMALS), round(y, DECIMALS)]
    return [_convert(item, detection) for item in coordinates]


def _is_position(value: object) -> bool:
    return (
        isinstance(value, list) and bool(value) and isinstance(value[0], (int, float))
    )


def _thin(positions: list[list[float]]) -> list[list[float]]:
    """Drop vertices closer than ``THIN_TOLERANCE`` degrees to the last one kept.

    The first and last positions stay, so rings stay closed; a ring keeps at
    least 4 positions and a line at least 2.
    """
    if len(positions) <= 4:
        return positions
    kept = [positions[0]]
    for position in positions[1:-1]:
        last = kept[-1]
        if (
            max(abs(position[0] - last[0]), abs(position[1] - last[1]))
            >= THIN_TOLERANCE
        ):
            kept.append(position)
    kept.append(positions[-1])
    if len(kept) < 4:
        return positions
    return kept


def _mercator_y(latitude: float) -> float:
    radians = math.radians(max(min(latitude, 85.0), -85.0))
    return math.log(math.tan(math.pi / 4 + radians / 2))


def points_in_quebec(layer: MapLayer) -> float:
    """Return the share of the layer's vertices that fall in Québec (1.0 when empty)."""
    vertices = np.array(list(_vertices(layer.collection)), dtype="float64")
    if vertices.size == 0:
        return 1.0
    return float(in_quebec(vertices[:, 0], vertices[:, 1]).mean())
