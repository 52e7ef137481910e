"""Registry of the Données Québec files the course uses.

The registry is one TOML file shipped with the package
(``widgets/data/registry.toml``). Each entry pins one file: where the portal
serves it, where a mirror keeps it, its sha256 and size, how it is encoded,
its publisher and its licence.
"""

from __future__ import annotations

import difflib
import functools
import logging
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePosixPath

from widgets.errors import UnknownDatasetError
from widgets.i18n import check_language

logger = logging.getLogger(__name__)

REGISTRY_RESOURCE = "registry.toml"
LICENCE_EVIDENCE_LEVELS = ("publisher", "secondary")


@dataclass(frozen=True)
class Dataset:
    """One registered file and what the course knows about it."""

    id: str
    title_fr: str
    title_en: str
    publisher: str
    organization: str
    licence_id: str
    licence_title: str
    licence_url: str
    licence_evidence: str
    licence_note_fr: str
    licence_note_en: str
    portal_url: str
    download_url: str
    mirror_path: str
    format: str
    sha256: str
    size: int
    encoding: str
    kind: str = "data"
    delimiter: str | None = None
    resource_id: str | None = None
    update_frequency: str | None = None
    id_columns: tuple[str, ...] = field(default_factory=tuple)
    date_columns: tuple[str, ...] = field(default_factory=tuple)
    required_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        """File name, the last part of ``mirror_path``."""
        return PurePosixPath(self.mirror_path).name

    @property
    def is_tabular(self) -> bool:
        """Whether the file is a CSV table."""
        return self.format.upper() == "CSV"

    @property
    def is_geojson(self) -> bool:
        """Whether the file is GeoJSON."""
        return self.format.lower() == "geojson"

    def title(self, language: str | None = None) -> str:
        """Return the title in ``language`` (the learner's one by default)."""
        if check_language(language) == "en":
            return self.title_en
        return self.title_fr

    def licence_note(self, language: str | None = None) -> str:
        """Return what is known of the licence, in ``language``."""
        if check_language(language) == "en":
            return self.licence_note_en
        return self.licence_note_fr


def _dataset_from_entry(entry: dict) -> Dataset:
    """Build a :class:`Dataset` from one TOML table, checking its fields."""
    values = dict(entry)
    for name in ("id_columns", "date_columns", "required_columns"):
        values[name] = tuple(values.get(name, ()))
    try:
        dataset = Dataset(**values)
    except TypeError as error:
        raise ValueError(
            f"Invalid registry entry {entry.get('id', '?')!r}: {error}. "
            "Compare it with the field list of widgets.registry.Dataset."
        ) from error
    if dataset.licence_evidence not in LICENCE_EVIDENCE_LEVELS:
        raise ValueError(
            f"Invalid licence_evidence {dataset.licence_evidence!r} for "
            f"{dataset.id!r}: use one of {LICENCE_EVIDENCE_LEVELS}."
        )
    if len(dataset.sha256) != 64:
        raise ValueError(f"Invalid sha256 for {dataset.id!r}: expected 64 hex digits.")
    return dataset


@functools.cache
def load_registry() -> dict[str, Dataset]:
    """Read the registry file and return its datasets by id, in file order."""
    text = (
        resources.files("widgets.data").joinpath(REGISTRY_RESOURCE).read_text("utf-8")
    )
    entries = tomllib.loads(text)["dataset"]
    datasets: dict[str, Dataset] = {}
    for entry in entries:
        dataset = _dataset_from_entry(entry)
        if dataset.id in datasets:
            raise ValueError(f"Duplicated dataset id {dataset.id!r} in the registry.")
        datasets[dataset.id] = dataset
    logger.debug("Loaded %d datasets from the registry", len(datasets))
    return datasets


def list_datasets() -> list[Dataset]:
    """Return every registered dataset, in registry order."""
    return list(load_registry().values())


def get_dataset(dataset_id: str) -> Dataset:
    """Return the registered dataset ``dataset_id``.

    Raises
    ------
    UnknownDatasetError
        If no entry has that id; the message suggests close ids.
    """
    datasets = load_registry()
    try:
        return datasets[dataset_id]
    except KeyError:
        pass
    close = difflib.get_close_matches(str(dataset_id), list(datasets), n=3, cutoff=0.5)
    known = ", ".join(close or datasets)
    raise UnknownDatasetError(
        fr=(
            f"Jeu de données inconnu : {dataset_id!r}. "
            f"Identifiants proches ou connus : {known}. "
            "La commande « python -m widgets datasets list » les liste tous."
        ),
        en=(
            f"Unknown dataset: {dataset_id!r}. Close or known ids: {known}. "
            "The command 'python -m widgets datasets list' lists them all."
        ),
    )
