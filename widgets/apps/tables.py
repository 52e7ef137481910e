"""Registered CSV and GeoJSON files as tables and Python data, for the apps.

Tables come from :mod:`widgets.reader`, which detects and reports encodings,
delimiters and column types:

- :func:`load_table` returns the reader's typed table (integers, floats,
  dates, text), for charts and previews;
- :func:`load_text_table` returns every cell as the text of the file, for
  the quality checker (which judges the raw values) and for coordinates
  (whose decimal commas and lost separators :mod:`widgets.geo` repairs,
  which a typed read would have already turned into wrong numbers).
"""

from __future__ import annotations

import copy
import functools
import json
import logging

import pandas as pd

from widgets.errors import ReadError
from widgets.fetch import fetch
from widgets.reader import read_columns, read_csv, read_dataset
from widgets.registry import Dataset, get_dataset, list_datasets

logger = logging.getLogger(__name__)

# Tables kept in memory per process: the largest, the 2019 bicycle counts,
# takes about 15 MB typed.
CACHE_SIZE = 8


def tabular_datasets() -> list[Dataset]:
    """Return the registered CSV datasets, in registry order."""
    return [dataset for dataset in list_datasets() if dataset.is_tabular]


def load_table(dataset_id: str) -> pd.DataFrame:
    """Return a registered CSV or GeoJSON file as a typed table (a copy).

    A GeoJSON table has one row per feature, its properties and a
    ``geometry_type`` column; the geometries themselves are left out (see
    :func:`load_geojson`).

    Raises
    ------
    ReadError
        If the file cannot be read as a table.
    """
    return _cached_typed(dataset_id).copy()


def load_text_table(dataset_id: str) -> pd.DataFrame:
    """Return the CSV file of ``dataset_id`` with every cell as text (a copy).

    Empty cells are empty strings. Encoding and delimiter come from the
    registry, as the reader applies them.

    Raises
    ------
    ReadError
        If the dataset is not a CSV file or cannot be read.
    """
    return _cached_text(dataset_id).copy()


def read_registered_table(dataset_id: str) -> pd.DataFrame:
    """Return a CSV file as text, or the feature properties of a GeoJSON file.

    The form :mod:`widgets.map_layers` needs for coordinate columns.
    """
    if get_dataset(dataset_id).is_geojson:
        return load_table(dataset_id)
    return load_text_table(dataset_id)


def load_geojson(dataset_id: str) -> dict:
    """Return the GeoJSON FeatureCollection of ``dataset_id`` as Python data (a copy).

    Raises
    ------
    ReadError
        If the dataset is not a GeoJSON file or its JSON is invalid.
    """
    return copy.deepcopy(_cached_geojson(dataset_id))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached_typed(dataset_id: str) -> pd.DataFrame:
    table = read_dataset(dataset_id).data
    return table.drop(columns=["geometry"], errors="ignore")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached_text(dataset_id: str) -> pd.DataFrame:
    dataset = get_dataset(dataset_id)
    if not dataset.is_tabular:
        raise ReadError(
            fr=f"{dataset_id!r} n'est pas un fichier CSV ({dataset.format}). Choisissez "
            "un jeu de données CSV.",
            en=f"{dataset_id!r} is not a CSV file ({dataset.format}). Choose a CSV dataset.",
        )
    path = fetch(dataset_id)
    # Naming every column an identifier keeps each one as the file's text.
    table, _report = read_csv(
        path,
        encoding=dataset.encoding or None,
        delimiter=dataset.delimiter,
        id_columns=read_columns(path, dataset),
    )
    table = table.astype(object).where(table.notna(), "")
    logger.info("Read %s as text: %d rows, %d columns", dataset_id, *table.shape)
    return table


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached_geojson(dataset_id: str) -> dict:
    dataset = get_dataset(dataset_id)
    if not dataset.is_geojson:
        raise ReadError(
            fr=f"{dataset_id!r} n'est pas un fichier GeoJSON ({dataset.format}).",
            en=f"{dataset_id!r} is not a GeoJSON file ({dataset.format}).",
        )
    path = fetch(dataset_id)
    try:
        collection = json.loads(path.read_text(encoding=dataset.encoding))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReadError(
            fr=f"Lecture impossible de {dataset_id!r} ({path.name}) : {error}.",
            en=f"Could not read {dataset_id!r} ({path.name}): {error}.",
        ) from error
    logger.info("Read %s: %d features", dataset_id, len(collection.get("features", [])))
    return collection
