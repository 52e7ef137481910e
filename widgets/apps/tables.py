"""Registered CSV files as DataFrames of text, for the apps.

TODO: replace :func:`load_text_table` with ``widgets.reader.read_csv``
once the reader module is merged; it reports encoding and delimiter
problems that this plain pandas read does not.
"""

from __future__ import annotations

import functools
import logging

import pandas as pd

from widgets.errors import ReadError
from widgets.fetch import fetch
from widgets.registry import Dataset, get_dataset, list_datasets

logger = logging.getLogger(__name__)


def tabular_datasets() -> list[Dataset]:
    """Return the registered CSV datasets, in registry order."""
    return [dataset for dataset in list_datasets() if dataset.is_tabular]


def load_text_table(dataset_id: str) -> pd.DataFrame:
    """Return the CSV file of ``dataset_id`` with every cell as text.

    Empty cells are empty strings; column names are stripped of the spaces
    some publishers put around delimiters. The result is a copy the caller
    may change.

    Raises
    ------
    ReadError
        If the dataset is not a CSV file or pandas cannot parse it.
    """
    return _cached_table(dataset_id).copy()


@functools.lru_cache(maxsize=8)
def _cached_table(dataset_id: str) -> pd.DataFrame:
    dataset = get_dataset(dataset_id)
    if not dataset.is_tabular:
        raise ReadError(
            fr=f"{dataset_id!r} n'est pas un fichier CSV ({dataset.format}). Choisissez "
            "un jeu de données CSV.",
            en=f"{dataset_id!r} is not a CSV file ({dataset.format}). Choose a CSV dataset.",
        )
    path = fetch(dataset_id)
    try:
        df = pd.read_csv(
            path,
            encoding=dataset.encoding,
            sep=dataset.delimiter or ",",
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ReadError(
            fr=f"Lecture impossible de {dataset_id!r} ({path.name}) : {error}.",
            en=f"Could not read {dataset_id!r} ({path.name}): {error}.",
        ) from error
    df.columns = [str(name).strip() for name in df.columns]
    logger.info("Read %s: %d rows, %d columns", dataset_id, len(df), len(df.columns))
    return df
