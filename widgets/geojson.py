"""GeoJSON FeatureCollections as tables: one row per feature.

Each row contains the feature's properties, then ``geometry_type``, the
``geometry`` itself (the GeoJSON dict) and, for Point features,
``longitude`` and ``latitude``. The report gives the coordinate reference
system the file declares (RFC 7946 GeoJSON implies WGS84 longitude and
latitude when it declares none), the number of features of each geometry
type, and the quirks found on the way.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np
import pandas as pd

from widgets.detect import RawFile, parse_json
from widgets.infer import MERGED_NOTES, TEXT_DTYPE, infer_json_strings
from widgets.report import (
    WARNING,
    ColumnInfo,
    Note,
    ReadReport,
    ReadResult,
    format_count,
    merge_column_notes,
    read_error,
)

logger = logging.getLogger(__name__)

GEOMETRY_COLUMNS = ("geometry_type", "geometry", "longitude", "latitude")
DATE_HINT = "pandas.to_datetime(..., errors='coerce')"


def read_geojson_file(raw: RawFile, language: str | None = None) -> ReadResult:
    """Read the GeoJSON bytes of ``raw`` into a table of features.

    Raises
    ------
    ReadError
        If the file is not JSON, or not a GeoJSON FeatureCollection or Feature.
    """
    document, codec, notes = parse_json(raw, language)
    features = _features(document, raw.name, language)
    report = ReadReport(
        source=raw.name, format="GeoJSON", encoding=codec, language=language
    )
    report.extend(notes)

    properties = [_properties(feature) for feature in features]
    geometries = [feature.get("geometry") for feature in features]
    names = property_names(features)
    data: dict[str, pd.Series] = {}
    column_notes: list[Note] = []
    for name in names:
        values = [feature_properties.get(name) for feature_properties in properties]
        series, kind, notes_of_column = _property_column(values, name)
        data[name] = series
        column_notes += notes_of_column
        report.columns.append(_column_info(name, kind, series))
    report.extend(merge_column_notes(column_notes, MERGED_NOTES))
    _note_missing_properties(properties, names, report)

    added = _geometry_columns(geometries, document, report)
    for name, (series, kind) in added.items():
        column_name = name
        if column_name in data:
            column_name = f"{name}_geojson"
            report.add(
                "name_clash",
                fr=f"Une propriété s'appelle déjà « {name} » : la colonne ajoutée se nomme « {column_name} ».",
                en=f"A property is already called '{name}': the added column is named '{column_name}'.",
                level=WARNING,
            )
        data[column_name] = series
        report.columns.append(_column_info(column_name, kind, series))

    frame = pd.DataFrame(data, index=pd.RangeIndex(len(features)))
    report.n_rows, report.n_columns = frame.shape
    return ReadResult(frame, report)


def property_names(features: list[dict]) -> list[str]:
    """Return the property names of ``features``, in order of first appearance."""
    names: dict[str, None] = {}
    for feature in features:
        names.update(dict.fromkeys(_properties(feature)))
    return list(names)


def geojson_features(raw: RawFile, language: str | None = None) -> list[dict]:
    """Return the features of a GeoJSON file, checking its structure."""
    document, _, _ = parse_json(raw, language)
    return _features(document, raw.name, language)


def _features(document: object, source: str, language: str | None) -> list[dict]:
    """Return the list of features of a FeatureCollection or a single Feature."""
    kind = (
        document.get("type") if isinstance(document, dict) else type(document).__name__
    )
    if kind == "FeatureCollection" and isinstance(document.get("features"), list):
        features = document["features"]
    elif kind == "Feature":
        features = [document]
    else:
        raise read_error(
            fr=(
                f"Le fichier {source!r} n'est pas une collection d'entités GeoJSON "
                f"(type trouvé : {kind!r}, attendu : 'FeatureCollection'). Vérifiez que "
                "c'est bien le fichier GeoJSON de la ressource."
            ),
            en=(
                f"The file {source!r} is not a GeoJSON FeatureCollection (type found: "
                f"{kind!r}, expected: 'FeatureCollection'). Check that it is the "
                "resource's GeoJSON file."
            ),
            language=language,
        )
    bad = [
        position
        for position, feature in enumerate(features)
        if not isinstance(feature, dict)
    ]
    if bad:
        raise read_error(
            fr=f"Le fichier {source!r} contient des entités qui ne sont pas des objets JSON (positions {bad[:5]}).",
            en=f"The file {source!r} has features that are not JSON objects (positions {bad[:5]}).",
            language=language,
        )
    return features


def _properties(feature: dict) -> dict:
    properties = feature.get("properties")
    return properties if isinstance(properties, dict) else {}


def _property_column(values: list, name: str) -> tuple[pd.Series, str, list[Note]]:
    """Type one property from the JSON types of its values."""
    types = {type(value) for value in values if value is not None}
    if not types:
        return pd.Series(np.nan, index=range(len(values)), dtype="float64"), "empty", []
    if types == {bool}:
        return pd.Series(values, dtype="boolean"), "boolean", []
    if types == {int}:
        return pd.Series(values, dtype="Int64"), "integer", []
    if types <= {int, float}:
        return pd.Series(values, dtype="float64"), "decimal", []
    if types == {str}:
        typed = infer_json_strings(
            pd.Series(values, dtype=TEXT_DTYPE), name, date_hint=DATE_HINT
        )
        return typed.values, typed.kind, typed.notes
    listed = ", ".join(sorted({_json_type(kind) for kind in types}))
    if len(types) > 1:
        note = Note(
            "mixed_types",
            fr=f"Propriété « {name} » : types JSON mêlés ({listed}), gardés tels quels (objets Python).",
            en=f"Property '{name}': mixed JSON types ({listed}), kept as they are (Python objects).",
            column=name,
            level=WARNING,
        )
    else:
        note = Note(
            "nested_values",
            fr=f"Propriété « {name} » : valeurs imbriquées ({listed}), gardées telles quelles (objets Python).",
            en=f"Property '{name}': nested values ({listed}), kept as they are (Python objects).",
            column=name,
            level=WARNING,
        )
    return pd.Series(values, dtype=object), "mixed", [note]


def _json_type(python_type: type) -> str:
    return {
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        dict: "object",
        list: "array",
    }.get(python_type, python_type.__name__)


def _column_info(name: str, kind: str, series: pd.Series) -> ColumnInfo:
    return ColumnInfo(name, kind, str(series.dtype), int(series.isna().sum()))


def _note_missing_properties(
    properties: list[dict], names: list[str], report: ReadReport
) -> None:
    counts = Counter()
    for feature_properties in properties:
        for name in names:
            if name not in feature_properties:
                counts[name] += 1
    if not counts:
        return
    listed = ", ".join(f"{name!r} ({count})" for name, count in counts.most_common(5))
    report.add(
        "missing_properties",
        fr=f"Des entités n'ont pas toutes les propriétés (entités sans la propriété) : {listed}.",
        en=f"Some features lack properties (features without the property): {listed}.",
        level=WARNING,
    )


def _geometry_columns(
    geometries: list, document: dict, report: ReadReport
) -> dict[str, tuple[pd.Series, str]]:
    """Build the geometry columns and report the geometry types and the CRS."""
    types = [
        geometry.get("type") if isinstance(geometry, dict) else None
        for geometry in geometries
    ]
    counts = Counter(kind for kind in types if kind is not None)
    listed = ", ".join(f"{kind} ({count})" for kind, count in counts.most_common())
    n_features = len(geometries)
    report.add(
        "features",
        fr=f"{format_count(n_features, 'fr')} entité(s); types de géométrie : {listed or 'aucun'}.",
        en=f"{format_count(n_features, 'en')} feature(s); geometry types: {listed or 'none'}.",
    )
    if len(counts) > 1:
        report.add(
            "mixed_geometry",
            fr=(
                f"Types de géométrie mêlés ({listed}) : certains outils n'acceptent qu'un "
                "type par couche (par exemple Polygon et MultiPolygon séparés)."
            ),
            en=(
                f"Mixed geometry types ({listed}): some tools accept only one type per "
                "layer (for example Polygon and MultiPolygon kept apart)."
            ),
            level=WARNING,
        )
    n_null = types.count(None)
    if n_null:
        report.add(
            "null_geometry",
            fr=f"{format_count(n_null, 'fr')} entité(s) sans géométrie.",
            en=f"{format_count(n_null, 'en')} feature(s) without a geometry.",
            level=WARNING,
        )
    layer = document.get("name") if isinstance(document, dict) else None
    if layer:
        report.add(
            "layer_name",
            fr=f"Le fichier nomme sa couche {layer!r} (membre « name », hors norme GeoJSON).",
            en=f"The file names its layer {layer!r} ('name' member, outside the GeoJSON standard).",
        )

    longitude = np.full(n_features, np.nan)
    latitude = np.full(n_features, np.nan)
    for position, (kind, geometry) in enumerate(zip(types, geometries)):
        if kind == "Point" and _is_position(geometry.get("coordinates")):
            longitude[position], latitude[position] = geometry["coordinates"][:2]
    longitude, latitude = _to_lon_lat(longitude, latitude, geometries, document, report)

    columns = {
        "geometry_type": (pd.Series(types, dtype=TEXT_DTYPE), "text"),
        "geometry": (pd.Series(geometries, dtype=object), "geometry"),
    }
    if counts.get("Point"):
        columns["longitude"] = (pd.Series(longitude), "decimal")
        columns["latitude"] = (pd.Series(latitude), "decimal")
    return columns


def _to_lon_lat(
    x: np.ndarray, y: np.ndarray, geometries: list, document: dict, report: ReadReport
) -> tuple[np.ndarray, np.ndarray]:
    """Report the CRS; convert Point coordinates to WGS84 when another one is declared."""
    crs = document.get("crs") if isinstance(document, dict) else None
    name = None
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
    if name is None:
        report.add(
            "crs",
            fr=(
                "Aucun système de coordonnées déclaré (membre « crs ») : selon la norme "
                "GeoJSON (RFC 7946), les coordonnées sont en longitude et latitude WGS84."
            ),
            en=(
                "No coordinate reference system declared ('crs' member): by the GeoJSON "
                "standard (RFC 7946), coordinates are WGS84 longitude and latitude."
            ),
        )
        _check_lon_lat_range(geometries, report)
        return x, y

    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        declared = CRS.from_user_input(name)
    except CRSError:
        report.add(
            "crs",
            fr=f"Système de coordonnées déclaré inconnu : {name!r}; longitude et latitude non calculées.",
            en=f"Unknown declared coordinate reference system: {name!r}; longitude and latitude not computed.",
            level=WARNING,
        )
        return np.full_like(x, np.nan), np.full_like(y, np.nan)
    if declared.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        report.add(
            "crs",
            fr=f"Système de coordonnées déclaré : {name} ({declared.name}), longitude et latitude WGS84.",
            en=f"Declared coordinate reference system: {name} ({declared.name}), WGS84 longitude and latitude.",
        )
        return x, y
    report.add(
        "crs",
        fr=(
            f"Système de coordonnées déclaré : {name} ({declared.name}). Les colonnes "
            "longitude et latitude sont converties en WGS84 avec pyproj; la géométrie "
            "reste dans le système d'origine."
        ),
        en=(
            f"Declared coordinate reference system: {name} ({declared.name}). The "
            "longitude and latitude columns are converted to WGS84 with pyproj; the "
            "geometry stays in the original system."
        ),
        level=WARNING,
    )
    transformer = Transformer.from_crs(declared, "EPSG:4326", always_xy=True)
    longitude, latitude = transformer.transform(x, y)
    return np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float)


def _check_lon_lat_range(geometries: list, report: ReadReport) -> None:
    """Warn when undeclared coordinates cannot be longitude and latitude."""
    for geometry in geometries:
        point = _first_position(geometry)
        if point is None:
            continue
        x, y = point[0], point[1]
        if not (math.isfinite(x) and math.isfinite(y)) or abs(x) > 180 or abs(y) > 90:
            report.add(
                "projected_coordinates",
                fr=(
                    f"Des coordonnées ({x}, {y}) ne sont pas des longitudes et latitudes : "
                    "le fichier utilise sans doute un système projeté (MTM, UTM...) sans le "
                    "déclarer. Demandez le système à l'éditeur."
                ),
                en=(
                    f"Some coordinates ({x}, {y}) are not longitudes and latitudes: the file "
                    "probably uses a projected system (MTM, UTM...) without declaring it. Ask "
                    "the publisher which system it is."
                ),
                level=WARNING,
            )
            return


def _first_position(geometry: object) -> list | None:
    """Return the first coordinate pair of a geometry, however deeply nested."""
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            position = _first_position(part)
            if position is not None:
                return position
        return None
    coordinates = geometry.get("coordinates")
    while (
        isinstance(coordinates, list)
        and coordinates
        and isinstance(coordinates[0], list)
    ):
        coordinates = coordinates[0]
    if _is_position(coordinates):
        return coordinates
    return None


def _is_position(coordinates: object) -> bool:
    """Return whether ``coordinates`` is a GeoJSON position: two numbers or more."""
    return (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(
            isinstance(value, (int, float)) and not isinstance(value, bool)
            for value in coordinates[:2]
        )
    )
