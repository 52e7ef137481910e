"""Verified downloads of registered files, from a mirror or from the portal.

Where a file comes from:

1. ``DONNEESQC_MIRROR`` names a mirror: a local folder (read in place) or a
   base URL that an institution hosts. The file is ``mirror_path`` below it.
2. Otherwise the file is downloaded from ``download_url`` on the portal into
   the user cache (``DONNEESQC_CACHE``, or the system cache folder).

The sha256 is checked on every path. In strict mode (``DONNEESQC_STRICT=1``:
tests, CI and the published site build) any mismatch is an error. A learner
working interactively instead gets a warning and the portal's new version,
provided it still has the columns the course relies on; its hash is then
recorded as accepted. Downloads go to a temporary file that is renamed only
once complete, so the cache never holds a half-written file.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pooch
import requests

from widgets import __version__
from widgets.errors import ChecksumMismatchError, DownloadError, MissingColumnsError
from widgets.registry import Dataset, get_dataset

logger = logging.getLogger(__name__)

MIRROR_VARIABLE = "DONNEESQC_MIRROR"
CACHE_VARIABLE = "DONNEESQC_CACHE"
STRICT_VARIABLE = "DONNEESQC_STRICT"
ACCEPTED_FILE = "accepted-versions.json"
USER_AGENT = f"donneesqc-course/{__version__} (open-data literacy course)"
TIMEOUT_SECONDS = 30


class NewVersionWarning(UserWarning):
    """The portal serves a version of a file that differs from the registry."""


def mirror_location() -> str | None:
    """Return the mirror named by ``DONNEESQC_MIRROR``, or None."""
    value = os.environ.get(MIRROR_VARIABLE, "").strip()
    return value or None


def is_strict() -> bool:
    """Return whether a checksum mismatch must raise instead of warn."""
    return os.environ.get(STRICT_VARIABLE, "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def cache_dir() -> Path:
    """Return the folder that holds downloaded files."""
    value = os.environ.get(CACHE_VARIABLE, "").strip()
    if value:
        return Path(value).expanduser()
    return Path(pooch.os_cache("donneesqc-course"))


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    return pooch.file_hash(str(path), alg="sha256")


def fetch(dataset_id: str, *, strict: bool | None = None) -> Path:
    """Return a local path to the verified file of ``dataset_id``.

    Parameters
    ----------
    dataset_id
        A registry id, such as ``"repertoire-municipalites"``.
    strict
        Raise on any checksum mismatch. Defaults to ``DONNEESQC_STRICT``.

    Raises
    ------
    UnknownDatasetError
        If the id is not registered.
    DownloadError
        If the portal or the mirror cannot provide the file.
    ChecksumMismatchError
        If the file differs from the registry (always for a mirror, and for
        the portal in strict mode).
    MissingColumnsError
        If the portal's new version lacks a column the course relies on.
    """
    dataset = get_dataset(dataset_id)
    if strict is None:
        strict = is_strict()

    mirror = mirror_location()
    if mirror is None:
        return _fetch_from_portal(dataset, strict=strict)
    if mirror.startswith(("http://", "https://")):
        url = mirror.rstrip("/") + "/" + dataset.mirror_path
        return _fetch_url(dataset, url, strict=True, source="mirror")
    return _check_mirror_file(dataset, Path(mirror).expanduser())


def accepted_versions() -> dict[str, dict]:
    """Return the new versions accepted on this machine, by dataset id."""
    path = cache_dir() / ACCEPTED_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        logger.warning("Ignoring unreadable %s: %s", path, error)
        return {}


def accept_new_version(dataset_id: str) -> Path:
    """Download the portal's current file for ``dataset_id`` and accept its hash.

    Used by ``python -m widgets datasets accept ID`` after a strict-mode
    checksum error. The columns the course relies on are still required.
    """
    dataset = get_dataset(dataset_id)
    return _fetch_from_portal(dataset, strict=False, force=True)


def _check_mirror_file(dataset: Dataset, root: Path) -> Path:
    """Verify the file of ``dataset`` inside the mirror folder ``root``."""
    path = root / dataset.mirror_path
    if not root.is_dir():
        raise DownloadError(
            fr=(
                f"Le miroir {str(root)!r} (variable {MIRROR_VARIABLE}) n'est pas un "
                "dossier. Corrigez le chemin ou retirez la variable pour utiliser le portail."
            ),
            en=(
                f"The mirror {str(root)!r} (variable {MIRROR_VARIABLE}) is not a "
                "folder. Fix the path, or unset the variable to use the portal."
            ),
        )
    if not path.is_file():
        raise DownloadError(
            fr=(
                f"Fichier introuvable dans le miroir : {str(path)!r} (jeu de données "
                f"{dataset.id!r}). Copiez-le dans le miroir ou retirez {MIRROR_VARIABLE}."
            ),
            en=(
                f"File not found in the mirror: {str(path)!r} (dataset {dataset.id!r}). "
                f"Copy it into the mirror, or unset {MIRROR_VARIABLE}."
            ),
        )
    actual = file_sha256(path)
    if actual != dataset.sha256:
        raise _mismatch_error(dataset, actual, source=str(path))
    return path


def _fetch_from_portal(dataset: Dataset, *, strict: bool, force: bool = False) -> Path:
    """Return the cached portal file of ``dataset``, downloading it if needed."""
    if not dataset.download_url:
        raise DownloadError(
            fr=(
                f"Le portail ne diffuse plus la version de {dataset.id!r} utilisée par "
                f"le cours (voir {dataset.portal_url}). Définissez {MIRROR_VARIABLE} "
                "avec le dossier ou l'adresse d'un miroir du cours."
            ),
            en=(
                f"The portal no longer serves the version of {dataset.id!r} that the "
                f"course uses (see {dataset.portal_url}). Set {MIRROR_VARIABLE} to the "
                "folder or address of a course mirror."
            ),
        )
    target = cache_dir() / dataset.id / dataset.filename
    if target.exists() and not force:
        actual = file_sha256(target)
        accepted = accepted_versions().get(dataset.id, {}).get("sha256")
        if actual == dataset.sha256 or (actual == accepted and not strict):
            return target
        logger.info("Cached %s has sha256 %s; downloading again", target, actual)
    return _fetch_url(
        dataset, dataset.download_url, strict=strict, source="portal", force=force
    )


def _fetch_url(
    dataset: Dataset, url: str, *, strict: bool, source: str, force: bool = False
) -> Path:
    """Download ``url`` into the cache and verify it against ``dataset``."""
    target = cache_dir() / dataset.id / dataset.filename
    if source == "mirror" and target.exists() and file_sha256(target) == dataset.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.part-{os.getpid()}")
    try:
        _download(url, partial, dataset)
        actual = file_sha256(partial)
        if actual != dataset.sha256:
            if strict:
                raise _mismatch_error(dataset, actual, source=url)
            _accept_if_usable(dataset, partial, actual, url)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _download(url: str, output: Path, dataset: Dataset) -> None:
    """Download ``url`` to ``output`` with pooch, turning failures into DownloadError."""
    downloader = pooch.HTTPDownloader(
        progressbar=sys.stderr.isatty(),
        timeout=TIMEOUT_SECONDS,
        headers={"User-Agent": USER_AGENT},
    )
    logger.info("Downloading %s for %s", url, dataset.id)
    try:
        downloader(url, str(output), None)
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise DownloadError(
            fr=(
                f"Le serveur a répondu HTTP {status} pour {url} (jeu de données "
                f"{dataset.id!r}). La ressource a peut-être été retirée; consultez "
                f"{dataset.portal_url} ou définissez {MIRROR_VARIABLE} avec un miroir du cours."
            ),
            en=(
                f"The server answered HTTP {status} for {url} (dataset {dataset.id!r}). "
                f"The resource may have been removed; see {dataset.portal_url} or set "
                f"{MIRROR_VARIABLE} to a course mirror."
            ),
        ) from error
    except requests.RequestException as error:
        raise DownloadError(
            fr=(
                f"Impossible de joindre {url} (jeu de données {dataset.id!r}) : {error}. "
                f"Hors ligne? Définissez {MIRROR_VARIABLE} avec le dossier d'un miroir "
                "du cours, par exemple ../shared/portal-snapshot."
            ),
            en=(
                f"Could not reach {url} (dataset {dataset.id!r}): {error}. Offline? "
                f"Set {MIRROR_VARIABLE} to a course mirror folder, for example "
                "../shared/portal-snapshot."
            ),
        ) from error


def _accept_if_usable(dataset: Dataset, path: Path, actual: str, url: str) -> None:
    """Accept a new portal version when it keeps the columns the course uses."""
    from widgets.reader import read_columns

    try:
        columns = set(read_columns(path, dataset))
    except Exception as error:
        raise _mismatch_error(dataset, actual, source=url) from error
    missing = [name for name in dataset.required_columns if name not in columns]
    if missing:
        raise MissingColumnsError(
            fr=(
                f"La nouvelle version de {dataset.id!r} publiée sur le portail n'a plus "
                f"les colonnes {missing}, dont le cours a besoin. Utilisez un miroir du "
                f"cours ({MIRROR_VARIABLE})."
            ),
            en=(
                f"The new version of {dataset.id!r} on the portal lacks the columns "
                f"{missing} that the course needs. Use a course mirror ({MIRROR_VARIABLE})."
            ),
        )
    warnings.warn(
        f"{dataset.id}: the portal has published a new version (sha256 {actual}, "
        f"expected {dataset.sha256}). Using it: figures in the lessons will differ.",
        NewVersionWarning,
        stacklevel=4,
    )
    _record_accepted(dataset, actual, url)


def _record_accepted(dataset: Dataset, actual: str, url: str) -> None:
    """Store the accepted hash of a new version in the cache folder."""
    versions = accepted_versions()
    versions[dataset.id] = {
        "sha256": actual,
        "url": url,
        "accepted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = cache_dir() / ACCEPTED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.part-{os.getpid()}")
    temporary.write_text(json.dumps(versions, indent=2), "utf-8")
    os.replace(temporary, path)


def _mismatch_error(
    dataset: Dataset, actual: str, *, source: str
) -> ChecksumMismatchError:
    """Build the checksum error for ``dataset`` read from ``source``."""
    return ChecksumMismatchError(
        fr=(
            f"Somme de contrôle différente pour {dataset.id!r} ({source}) : attendue "
            f"sha256 {dataset.sha256}, obtenue {actual}. Le portail a publié une nouvelle "
            "version, ou le fichier est abîmé. Pour continuer : définissez "
            f"{MIRROR_VARIABLE} avec un miroir du cours, ou acceptez la nouvelle version "
            f"avec « python -m widgets datasets accept {dataset.id} »."
        ),
        en=(
            f"Checksum mismatch for {dataset.id!r} ({source}): expected sha256 "
            f"{dataset.sha256}, got {actual}. The portal has published a new version, "
            f"or the file is damaged. To go on: set {MIRROR_VARIABLE} to a course "
            f"mirror, or accept the new version with "
            f"'python -m widgets datasets accept {dataset.id}'."
        ),
    )
