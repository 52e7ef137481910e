"""Coordinates in Québec files: parse them, recognise their system, convert them.

Québec publishers mix several coordinate systems:

- longitude and latitude in degrees (WGS84, or NAD83, which differs from
  WGS84 by about a metre), sometimes with the two columns swapped;
- projected metres in the Modified Transverse Mercator (MTM) zones of
  Québec, NAD83 (EPSG:32183 to 32190) or NAD83(CSRS) (EPSG:2945 to 2952):
  zone 8 for Montréal, zone 7 for Québec City;
- projected metres in Québec Lambert (EPSG:32198).

Numbers often carry a decimal comma ("294151,2717"), and some exports lost
the separator altogether ("5045855457" for 5045855,457).
:func:`parse_decimal` reads both; :func:`detect_coordinates` recognises the
system from the value ranges; :func:`add_wgs84_columns` converts with pyproj.

MTM zones cannot be distinguished from the numbers alone: every zone has the
same false easting. The zone comes from the caller, or from reference
longitudes and latitudes in the same file.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from widgets.errors import CourseError
from widgets.i18n import pick

logger = logging.getLogger(__name__)

# Longitude and latitude bounds of Québec, rounded outwards (degrees).
QUEBEC_BOUNDS = (-79.8, 44.9, -57.0, 62.7)
WGS84 = "EPSG:4326"
QUEBEC_LAMBERT = 32198
# MTM zones that cover Québec, with their EPSG codes per datum.
MTM_EPSG = {
    "NAD83": {zone: 32180 + zone for zone in range(3, 11)},
    "NAD83(CSRS)": {zone: 2942 + zone for zone in range(3, 11)},
}
# Ranges of MTM eastings and northings inside Québec (metres).
MTM_EASTING_RANGE = (100_000.0, 510_000.0)
MTM_NORTHING_RANGE = (4_950_000.0, 6_950_000.0)
LAMBERT_X_RANGE = (-900_000.0, 1_000_000.0)
LAMBERT_Y_RANGE = (100_000.0, 2_200_000.0)
# Share of the points that must fit a system for it to be recognised.
MIN_SHARE = 0.9

# Share of the separated values that must agree on their integer digits
# before a lost separator is restored.
REPAIR_AGREEMENT = 0.9

NUMBER = re.compile(r"^([+-]?)(\d+)(?:([.,])(\d+))?$")


class CoordinateError(CourseError, ValueError):
    """Coordinates that cannot be recognised or converted."""


@dataclass
class ParsedNumbers:
    """Numbers read from text, with counts of what needed care."""

    values: pd.Series
    decimal_comma: int = 0
    repaired: int = 0
    invalid: int = 0
    integer_digits: int | None = None


@dataclass
class CoordinateDetection:
    """The coordinate system recognised for a pair of columns.

    ``kind`` is ``"lonlat"``, ``"latlon"`` (swapped columns), ``"mtm"``,
    ``"lambert"`` or ``"unknown"``. ``epsg`` is None when the system is
    unknown or the MTM zone is not known.
    """

    kind: str
    epsg: int | None
    share: float
    zone: int | None = None
    datum: str = "NAD83"
    candidates: list[int] = field(default_factory=list)
    points: int = 0

    @property
    def convertible(self) -> bool:
        """Whether :func:`add_wgs84_columns` can convert these coordinates."""
        return self.kind in ("lonlat", "latlon") or self.epsg is not None

    def message(self, language: str | None = None) -> str:
        """Return a sentence that explains the detection, in ``language``."""
        percent = f"{self.share:.0%}"
        if self.kind == "lonlat":
            return pick(
                f"Longitudes et latitudes en degrés ({percent} des points au Québec).",
                f"Longitudes and latitudes in degrees ({percent} of points in Québec).",
                language,
            )
        if self.kind == "latlon":
            return pick(
                "Colonnes inversées : la colonne des x contient des latitudes et celle "
                f"des y des longitudes ({percent} des points au Québec une fois inversés).",
                "Swapped columns: the x column holds latitudes and the y column "
                f"longitudes ({percent} of points in Québec once swapped).",
                language,
            )
        if self.kind == "mtm" and self.zone is not None:
            return pick(
                f"Coordonnées projetées en mètres : {self.datum} / MTM zone {self.zone} "
                f"(EPSG:{self.epsg}).",
                f"Projected coordinates in metres: {self.datum} / MTM zone {self.zone} "
                f"(EPSG:{self.epsg}).",
                language,
            )
        if self.kind == "mtm":
            return pick(
                "Coordonnées projetées en mètres MTM, zone inconnue : les chiffres ne "
                "suffisent pas à la trouver. Indiquez la zone (8 pour Montréal, 7 pour "
                "Québec) ou des colonnes de longitude et de latitude de référence.",
                "Projected MTM coordinates in metres, zone unknown: the numbers alone "
                "cannot tell it. Give the zone (8 for Montréal, 7 for Québec City) or "
                "reference longitude and latitude columns.",
                language,
            )
        if self.kind == "lambert":
            return pick(
                f"Coordonnées projetées en mètres : NAD83 / Québec Lambert (EPSG:{self.epsg}).",
                f"Projected coordinates in metres: NAD83 / Quebec Lambert (EPSG:{self.epsg}).",
                language,
            )
        return pick(
            "Système de coordonnées non reconnu : ni degrés au Québec, ni MTM, ni "
            "Québec Lambert. Vérifiez la documentation du jeu de données.",
            "Coordinate system not recognised: neither degrees in Québec, MTM nor "
            "Quebec Lambert. Check the dataset's documentation.",
            language,
        )


def parse_decimal(values: pd.Series | list, *, repair: bool = True) -> ParsedNumbers:
    """Read numbers written with a decimal point or a decimal comma.

    Parameters
    ----------
    values
        Text or numbers. Spaces and non-breaking spaces are ignored.
    repair
        Restore a decimal separator that an export lost. The number of
        integer digits comes from the values of the column that kept their
        separator (the most common count). A value with more digits and no
        separator gets a separator at that place. Nothing is repaired when no
        value of the column has a separator, or when fewer than 90 % of the
        values with a separator agree on their number of integer digits.

    Returns
    -------
    ParsedNumbers
        Floats (NaN where the text is not a number) and counts of decimal
        commas, repaired values and invalid values.
    """
    series = pd.Series(values, dtype="object").reset_index(drop=True)
    matches: list[re.Match | None] = []
    for value in series:
        if _is_missing(value) or isinstance(value, (int, float, np.number)):
            matches.append(None)
            continue
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        matches.append(NUMBER.match(text))

    digit_counts = Counter(len(m.group(2)) for m in matches if m and m.group(3))
    integer_digits = None
    if digit_counts:
        common, count = digit_counts.most_common(1)[0]
        # Only a column of numbers of one magnitude shows where a lost
        # separator belongs.
        if count >= REPAIR_AGREEMENT * sum(digit_counts.values()):
            integer_digits = common

    result = ParsedNumbers(
        values=pd.Series(np.nan, index=series.index, dtype="float64")
    )
    result.integer_digits = integer_digits
    for position, (value, match) in enumerate(zip(series, matches, strict=True)):
        if match is None:
            if isinstance(value, (int, float, np.number)) and not _is_missing(value):
                result.values.iloc[position] = float(value)
            elif not _is_missing(value) and str(value).strip():
                result.invalid += 1
            continue
        sign, whole, separator, fraction = match.groups()
        if separator == ",":
            result.decimal_comma += 1
        elif (
            separator is None
            and repair
            and integer_digits
            and len(whole) > integer_digits
        ):
            whole, fraction = whole[:integer_digits], whole[integer_digits:]
            result.repaired += 1
        number = float(f"{sign}{whole}.{fraction or 0}")
        result.values.iloc[position] = number
    if result.repaired:
        logger.info(
            "Restored the decimal separator of %d values (%d integer digits)",
            result.repaired,
            integer_digits,
        )
    return result


def in_quebec(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """Return a boolean array: which points fall in Québec's bounding box."""
    lon_min, lat_min, lon_max, lat_max = QUEBEC_BOUNDS
    longitude = np.asarray(longitude, dtype="float64")
    latitude = np.asarray(latitude, dtype="float64")
    return (
        (longitude >= lon_min)
        & (longitude <= lon_max)
        & (latitude >= lat_min)
        & (latitude <= lat_max)
    )


def mtm_epsg(zone: int, datum: str = "NAD83") -> int:
    """Return the EPSG code of MTM ``zone`` on ``datum`` ("NAD83" or "NAD83(CSRS)").

    Raises
    ------
    CoordinateError
        If the zone does not cover Québec (3 to 10) or the datum is unknown.
    """
    if datum not in MTM_EPSG:
        raise CoordinateError(
            fr=f"Datum inconnu : {datum!r}. Utilisez « NAD83 » ou « NAD83(CSRS) ».",
            en=f"Unknown datum: {datum!r}. Use 'NAD83' or 'NAD83(CSRS)'.",
        )
    if zone not in MTM_EPSG[datum]:
        raise CoordinateError(
            fr=f"Zone MTM {zone!r} hors du Québec : les zones du Québec vont de 3 à 10.",
            en=f"MTM zone {zone!r} is outside Québec: Québec's zones run from 3 to 10.",
        )
    return MTM_EPSG[datum][zone]


def mtm_zone_for_longitude(longitude: float) -> int:
    """Return the Québec MTM zone whose central meridian is closest to ``longitude``."""
    best_zone, best_gap = 8, float("inf")
    for zone, epsg in MTM_EPSG["NAD83"].items():
        meridian = _central_meridian(epsg)
        gap = abs(longitude - meridian)
        if gap < best_gap:
            best_zone, best_gap = zone, gap
    return best_zone


def to_wgs84(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Convert projected ``x``, ``y`` in EPSG:``epsg`` to longitudes and latitudes."""
    transformer = _transformer(epsg)
    longitude, latitude = transformer.transform(
        np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    )
    return np.asarray(longitude), np.asarray(latitude)


def detect_coordinates(
    x: pd.Series | np.ndarray,
    y: pd.Series | np.ndarray,
    *,
    zone: int | None = None,
    datum: str = "NAD83",
    reference: tuple[pd.Series, pd.Series] | None = None,
) -> CoordinateDetection:
    """Recognise the coordinate system of the columns ``x`` and ``y``.

    Parameters
    ----------
    x, y
        Numbers (parse text with :func:`parse_decimal` first). NaN pairs
        are ignored.
    zone
        The MTM zone, when the caller knows it.
    datum
        ``"NAD83"`` (default) or ``"NAD83(CSRS)"`` for MTM; the two differ
        by about a metre and the numbers cannot tell them apart.
    reference
        Longitudes and latitudes of the same rows, if the file has them: the
        MTM zone whose conversion lands closest to them is chosen.

    Returns
    -------
    CoordinateDetection
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    valid = ~(np.isnan(x) | np.isnan(y))
    points = int(valid.sum())
    if points == 0:
        return CoordinateDetection(kind="unknown", epsg=None, share=0.0, points=0)
    xv, yv = x[valid], y[valid]

    share_lonlat = float(in_quebec(xv, yv).mean())
    if share_lonlat >= MIN_SHARE:
        return CoordinateDetection("lonlat", 4326, share_lonlat, points=points)
    share_latlon = float(in_quebec(yv, xv).mean())
    if share_latlon >= MIN_SHARE:
        return CoordinateDetection("latlon", 4326, share_latlon, points=points)

    share_mtm = float(
        (_within(xv, MTM_EASTING_RANGE) & _within(yv, MTM_NORTHING_RANGE)).mean()
    )
    if share_mtm >= MIN_SHARE:
        return _detect_mtm(x, y, valid, share_mtm, zone, datum, reference, points)

    share_lambert = float(
        (_within(xv, LAMBERT_X_RANGE) & _within(yv, LAMBERT_Y_RANGE)).mean()
    )
    if share_lambert >= MIN_SHARE:
        return CoordinateDetection(
            "lambert", QUEBEC_LAMBERT, share_lambert, points=points
        )

    best = max(share_lonlat, share_latlon, share_mtm, share_lambert)
    return CoordinateDetection("unknown", None, best, points=points)


def add_wgs84_columns(
    df: pd.DataFrame,
    x_column: str,
    y_column: str,
    *,
    zone: int | None = None,
    datum: str = "NAD83",
    reference_columns: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, CoordinateDetection]:
    """Return a copy of ``df`` with ``longitude`` and ``latitude`` in WGS84 degrees.

    Parameters
    ----------
    df
        The table; the coordinate columns may be text with decimal commas.
    x_column, y_column
        The columns of eastings or longitudes (x) and northings or latitudes (y).
    zone, datum
        See :func:`detect_coordinates`.
    reference_columns
        Names of longitude and latitude columns in ``df`` used to choose the
        MTM zone.

    Returns
    -------
    (DataFrame, CoordinateDetection)
        Points that fall outside Québec after conversion get NaN.

    Raises
    ------
    CoordinateError
        If a column is missing or the system cannot be recognised.
    """
    for name in (x_column, y_column, *(reference_columns or ())):
        if name not in df.columns:
            raise CoordinateError(
                fr=f"Colonne introuvable : {name!r}. Colonnes : {', '.join(map(str, df.columns))}.",
                en=f"Column not found: {name!r}. Columns: {', '.join(map(str, df.columns))}.",
            )
    x = parse_decimal(df[x_column]).values.to_numpy()
    y = parse_decimal(df[y_column]).values.to_numpy()
    reference = None
    if reference_columns:
        reference = (
            parse_decimal(df[reference_columns[0]]).values,
            parse_decimal(df[reference_columns[1]]).values,
        )
    detection = detect_coordinates(x, y, zone=zone, datum=datum, reference=reference)
    if not detection.convertible:
        raise CoordinateError(
            fr=f"Colonnes {x_column!r} et {y_column!r} : " + detection.message("fr"),
            en=f"Columns {x_column!r} and {y_column!r}: " + detection.message("en"),
        )

    if detection.kind == "lonlat":
        longitude, latitude = x, y
    elif detection.kind == "latlon":
        longitude, latitude = y, x
    else:
        longitude, latitude = to_wgs84(x, y, detection.epsg)
    longitude = np.asarray(longitude, dtype="float64").copy()
    latitude = np.asarray(latitude, dtype="float64").copy()
    outside = ~in_quebec(longitude, latitude)
    longitude[outside] = np.nan
    latitude[outside] = np.nan

    result = df.copy()
    result["longitude"] = longitude
    result["latitude"] = latitude
    return result, detection


def distance_metres(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Return great-circle distances in metres between two sets of points."""
    radius = 6_371_008.8
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(a))


def contains_points(
    geometry: dict, longitude: np.ndarray, latitude: np.ndarray
) -> np.ndarray:
    """Return which points lie inside a GeoJSON Polygon or MultiPolygon.

    Parameters
    ----------
    geometry
        A GeoJSON geometry dict of type ``Polygon`` or ``MultiPolygon``, in
        the same coordinate system as the points. The first ring of each
        polygon is its outline and the other rings are holes.
    longitude, latitude
        The points' coordinates; NaN points are never inside.

    Returns
    -------
    numpy.ndarray
        One boolean per point.

    Raises
    ------
    CoordinateError
        If the geometry is not a Polygon or a MultiPolygon.

    Notes
    -----
    A horizontal ray is cast from each point and the ring edges it crosses
    are counted: an odd count means inside (the even-odd rule), so a point
    in a hole is outside. A point exactly on an edge may come out either
    way. Coordinates are treated as planar, which is accurate for polygons
    the size of a borough but not for polygons that span many degrees.
    """
    x = np.asarray(longitude, dtype="float64")
    y = np.asarray(latitude, dtype="float64")
    inside = np.zeros(x.shape, dtype=bool)
    for polygon in _polygons(geometry):
        rings = [np.asarray(ring, dtype="float64")[:, :2] for ring in polygon if ring]
        if not rings:
            continue
        outline = rings[0]
        candidates = (
            (x >= outline[:, 0].min())
            & (x <= outline[:, 0].max())
            & (y >= outline[:, 1].min())
            & (y <= outline[:, 1].max())
        )
        if not candidates.any():
            continue
        crossings = np.zeros(int(candidates.sum()), dtype=int)
        for ring in rings:
            crossings += _ray_crossings(ring, x[candidates], y[candidates])
        inside[np.flatnonzero(candidates)[crossings % 2 == 1]] = True
    return inside


def locate_points(
    longitude: np.ndarray,
    latitude: np.ndarray,
    geometries: list[dict] | pd.Series,
    names: list[str] | pd.Series,
) -> pd.Series:
    """Return the name of the polygon that contains each point (a point-in-polygon join).

    Parameters
    ----------
    longitude, latitude
        The points, in the same coordinate system as the geometries.
    geometries
        GeoJSON Polygon or MultiPolygon dicts, such as the ``geometry``
        column of :func:`widgets.reader.read_geojson`. Features of another
        geometry type are skipped with a warning in the log.
    names
        One name per geometry.

    Returns
    -------
    pandas.Series
        One name per point, or a missing value when no polygon contains it.
        When polygons overlap, the first one in ``geometries`` wins.
    """
    x = np.asarray(longitude, dtype="float64")
    y = np.asarray(latitude, dtype="float64")
    found = pd.Series(pd.NA, index=range(len(x)), dtype="object")
    unplaced = np.ones(x.shape, dtype=bool)
    for geometry, name in zip(list(geometries), list(names), strict=True):
        try:
            inside = contains_points(geometry, x, y)
        except CoordinateError as error:
            logger.warning("Polygon %r skipped: %s", name, error.message_en)
            continue
        newly = inside & unplaced
        found[newly] = name
        unplaced &= ~inside
    return found


def boundary_distance_metres(
    geometry: dict,
    longitude: np.ndarray,
    latitude: np.ndarray,
    *,
    epsg: int = 32188,
) -> np.ndarray:
    """Return each point's distance in metres to the nearest edge of a polygon.

    Parameters
    ----------
    geometry
        A GeoJSON Polygon or MultiPolygon in WGS84 longitude and latitude.
    longitude, latitude
        The points, in WGS84 degrees.
    epsg
        The projected system in metres where distances are measured:
        NAD83 / MTM zone 8 (EPSG:32188, Montréal) by default.

    Returns
    -------
    numpy.ndarray
        One distance per point, whether the point is inside or outside;
        NaN for a NaN point.

    Raises
    ------
    CoordinateError
        If the geometry is not a Polygon or a MultiPolygon.

    Notes
    -----
    Points and edges are projected, then distances are measured on the
    plane. Inside its zone, an MTM projection keeps lengths within about
    0.01 %, so the result is good to a metre over ten kilometres.
    """
    to_plane = Transformer.from_crs(
        CRS.from_string(WGS84), CRS.from_epsg(epsg), always_xy=True
    )
    x, y = to_plane.transform(
        np.asarray(longitude, dtype="float64"), np.asarray(latitude, dtype="float64")
    )
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    starts, ends = [], []
    for polygon in _polygons(geometry):
        for ring in polygon:
            if len(ring) < 2:
                continue
            ring = np.asarray(ring, dtype="float64")[:, :2]
            ring_x, ring_y = to_plane.transform(ring[:, 0], ring[:, 1])
            vertices = np.column_stack([ring_x, ring_y])
            starts.append(vertices[:-1])
            ends.append(vertices[1:])
    if not starts:
        return np.full(x.shape, np.nan)
    start = np.concatenate(starts)
    edge = np.concatenate(ends) - start
    length_squared = (edge**2).sum(axis=1)
    length_squared[length_squared == 0] = np.nan
    distances = np.full(x.shape, np.nan)
    for position, point in enumerate(np.column_stack([x, y])):
        if np.isnan(point).any():
            continue
        # Where the perpendicular from the point meets each edge, clamped to the edge.
        share = np.clip(((point - start) * edge).sum(axis=1) / length_squared, 0, 1)
        share = np.nan_to_num(share)
        nearest = start + share[:, None] * edge
        distances[position] = np.sqrt(((point - nearest) ** 2).sum(axis=1)).min()
    return distances


def _polygons(geometry: object) -> list[list]:
    """Return the polygons of a Polygon or MultiPolygon as lists of rings."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon" and isinstance(coordinates, list):
        return [coordinates]
    if kind == "MultiPolygon" and isinstance(coordinates, list):
        return coordinates
    raise CoordinateError(
        fr=f"Géométrie de type {kind!r} : seuls les types Polygon et MultiPolygon "
        "peuvent contenir des points. Choisissez une couche de polygones.",
        en=f"Geometry of type {kind!r}: only Polygon and MultiPolygon geometries "
        "can contain points. Choose a polygon layer.",
    )


def _ray_crossings(ring: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Count, for each point, the edges of ``ring`` that a ray cast east crosses."""
    start = ring
    end = np.roll(ring, -1, axis=0)
    crossings = np.zeros(x.shape, dtype=int)
    # One edge at a time keeps memory at one value per point, whatever the ring size.
    for (x1, y1), (x2, y2) in zip(start, end, strict=True):
        if y1 == y2:
            continue
        straddles = (y1 > y) != (y2 > y)
        x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        crossings += straddles & (x < x_cross)
    return crossings


def _detect_mtm(
    x, y, valid, share, zone, datum, reference, points
) -> CoordinateDetection:
    """Finish an MTM detection: pick the zone from the caller or the reference."""
    candidates = sorted(MTM_EPSG[datum])
    if zone is not None:
        return CoordinateDetection(
            "mtm",
            mtm_epsg(zone, datum),
            share,
            zone=zone,
            datum=datum,
            candidates=candidates,
            points=points,
        )
    if reference is not None:
        ref_lon = np.asarray(reference[0], dtype="float64")
        ref_lat = np.asarray(reference[1], dtype="float64")
        usable = valid & in_quebec(ref_lon, ref_lat)
        if usable.any():
            gaps = {}
            for candidate in candidates:
                lon, lat = to_wgs84(x[usable], y[usable], mtm_epsg(candidate, datum))
                gaps[candidate] = float(
                    np.nanmedian(
                        distance_metres(lon, lat, ref_lon[usable], ref_lat[usable])
                    )
                )
            best = min(gaps, key=gaps.get)
            logger.info(
                "MTM zone %d chosen from reference columns (median gap %.1f m)",
                best,
                gaps[best],
            )
            return CoordinateDetection(
                "mtm",
                mtm_epsg(best, datum),
                share,
                zone=best,
                datum=datum,
                candidates=candidates,
                points=points,
            )
    return CoordinateDetection(
        "mtm", None, share, zone=None, datum=datum, candidates=candidates, points=points
    )


def _is_missing(value: object) -> bool:
    """Return whether ``value`` is None or a float NaN."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _within(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Return which ``values`` lie within ``bounds`` (inclusive)."""
    return (values >= bounds[0]) & (values <= bounds[1])


def _central_meridian(epsg: int) -> float:
    """Return the central meridian (degrees) of a transverse Mercator EPSG code."""
    for parameter in CRS.from_epsg(epsg).coordinate_operation.params:
        if "longitude of natural origin" in parameter.name.lower():
            return float(parameter.value)
    raise ValueError(f"EPSG:{epsg} has no central meridian.")


_TRANSFORMERS: dict[int, Transformer] = {}


def _transformer(epsg: int) -> Transformer:
    """Return a cached transformer from EPSG:``epsg`` to WGS84 longitude, latitude."""
    if epsg not in _TRANSFORMERS:
        _TRANSFORMERS[epsg] = Transformer.from_crs(
            CRS.from_epsg(epsg), CRS.from_string(WGS84), always_xy=True
        )
    return _TRANSFORMERS[epsg]
