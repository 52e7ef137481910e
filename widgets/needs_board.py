"""The data-needs board: learners ask for datasets, vote, and see them ranked.

A request states what data is needed, why, who would publish it, and whether
the learner would use it directly or through a service built on it. Learners
vote (one vote per voter per request); requests are ranked by votes.
Instructors hide, merge and mark requests as published, and export them as
CSV.

Storage is one SQLite file shared by the class: ``DONNEESQC_BOARD_DB``, or
``needs-board.sqlite3`` in the user data folder. The database runs in WAL
mode with a busy timeout, every write takes the write lock at once
(``BEGIN IMMEDIATE``) and is retried a bounded number of times when the
database stays locked, so a class submitting at the same moment loses
nothing. Queries are parameterised; text is validated and length-limited
here, and escaped by whoever displays it.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import platformdirs

from widgets.errors import CourseError

logger = logging.getLogger(__name__)

DB_VARIABLE = "DONNEESQC_BOARD_DB"
DB_FILENAME = "needs-board.sqlite3"
USES = ("direct", "indirect")
STATUSES = ("open", "hidden", "merged", "published")
VISIBLE_STATUSES = ("open", "published")
# Maximum lengths, in characters, of the text fields.
LIMITS = {
    "title": 200,
    "reason": 2000,
    "publisher": 200,
    "author": 80,
    "voter": 80,
    "published_url": 500,
}
FIELD_LABELS = {
    "title": ("Besoin", "Need"),
    "reason": ("Pourquoi", "Why"),
    "publisher": ("Éditeur", "Publisher"),
    "author": ("Auteur", "Author"),
    "voter": ("Pseudonyme", "Pseudonym"),
    "published_url": ("Adresse publiée", "Published address"),
}
BUSY_TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 0.05
EXPORT_COLUMNS = (
    "id",
    "title",
    "reason",
    "publisher",
    "use",
    "author",
    "created_at",
    "status",
    "merged_into",
    "published_url",
    "votes",
)
# Characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    reason TEXT NOT NULL CHECK (length(reason) <= 2000),
    publisher TEXT NOT NULL DEFAULT '' CHECK (length(publisher) <= 200),
    use TEXT NOT NULL CHECK (use IN ('direct', 'indirect')),
    author TEXT NOT NULL DEFAULT '' CHECK (length(author) <= 80),
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'hidden', 'merged', 'published')),
    merged_into INTEGER REFERENCES requests(id),
    published_url TEXT NOT NULL DEFAULT '' CHECK (length(published_url) <= 500)
);
CREATE TABLE IF NOT EXISTS votes (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    voter TEXT NOT NULL CHECK (length(voter) BETWEEN 1 AND 80),
    created_at TEXT NOT NULL,
    PRIMARY KEY (request_id, voter)
);
CREATE INDEX IF NOT EXISTS votes_by_request ON votes(request_id);
"""

T = TypeVar("T")


class BoardInputError(CourseError, ValueError):
    """A request, vote or moderation step with invalid input."""


@dataclass(frozen=True)
class DataRequest:
    """One request of the board, with its vote count."""

    id: int
    title: str
    reason: str
    publisher: str
    use: str
    author: str
    created_at: str
    status: str
    merged_into: int | None
    published_url: str
    votes: int


def default_path() -> Path:
    """Return the board's database path: ``DONNEESQC_BOARD_DB`` or the user data folder."""
    value = os.environ.get(DB_VARIABLE, "").strip()
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir("donneesqc-course")) / DB_FILENAME


def clean_text(
    value: object, field: str, *, required: bool = False, multiline: bool = False
) -> str:
    """Return ``value`` as stripped text within the limit of ``field``.

    Control characters are removed (line breaks are kept when ``multiline``).

    Raises
    ------
    BoardInputError
        If the text is longer than ``LIMITS[field]``, or empty when required.
    """
    text = "" if value is None else str(value)
    if not multiline:
        text = text.replace("\r", " ").replace("\n", " ")
    text = CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n")).strip()
    limit = LIMITS[field]
    label_fr, label_en = FIELD_LABELS[field]
    if len(text) > limit:
        raise BoardInputError(
            fr=f"Le champ « {label_fr} » est trop long : {len(text)} caractères, maximum "
            f"{limit}. Raccourcissez le texte.",
            en=f"The field '{label_en}' is too long: {len(text)} characters, maximum "
            f"{limit}. Shorten the text.",
        )
    if required and not text:
        raise BoardInputError(
            fr=f"Le champ « {label_fr} » est obligatoire.",
            en=f"The field '{label_en}' is required.",
        )
    return text


class NeedsBoard:
    """The requests and votes of one board, stored in SQLite.

    Parameters
    ----------
    path
        The database file; :func:`default_path` when None. Its folder is
        created if needed.
    busy_timeout
        Seconds SQLite waits for a lock before giving up on one attempt.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._retry(self._create_schema)

    # Learners -----------------------------------------------------------

    def propose(
        self,
        title: str,
        reason: str,
        publisher: str = "",
        use: str = "direct",
        author: str = "",
    ) -> int:
        """Add a request and return its id.

        Parameters
        ----------
        title
            What data is needed (required, 200 characters at most).
        reason
            Why it is needed (2000 characters at most).
        publisher
            Who would publish it (200 characters at most).
        use
            ``"direct"`` (the learner would use the data) or ``"indirect"``
            (through an app or a service built on it).
        author
            The requester (80 characters at most, may be empty).
        """
        values = (
            clean_text(title, "title", required=True),
            clean_text(reason, "reason", multiline=True),
            clean_text(publisher, "publisher"),
            _check_use(use),
            clean_text(author, "author"),
            _now(),
        )

        def insert(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(
                "INSERT INTO requests (title, reason, publisher, use, author, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
            return int(cursor.lastrowid)

        request_id = self._write(insert)
        logger.info("Request %d proposed", request_id)
        return request_id

    def vote(self, request_id: int, voter: str) -> bool:
        """Record ``voter``'s vote for a request; return False if they had voted.

        Raises
        ------
        BoardInputError
            If the request does not exist or is hidden or merged, or the
            voter is empty.
        """
        voter_id = clean_text(voter, "voter", required=True).casefold()
        request_id = _request_id(request_id)

        def insert(connection: sqlite3.Connection) -> bool:
            row = connection.execute(
                "SELECT status FROM requests WHERE id = ?", (request_id,)
            ).fetchone()
            if row is None or row[0] not in VISIBLE_STATUSES:
                raise BoardInputError(
                    fr=f"Demande introuvable ou retirée : {request_id!r}. Rafraîchissez la liste.",
                    en=f"Request not found or withdrawn: {request_id!r}. Refresh the list.",
                )
            cursor = connection.execute(
                "INSERT OR IGNORE INTO votes (request_id, voter, created_at) VALUES (?, ?, ?)",
                (request_id, voter_id, _now()),
            )
            return cursor.rowcount == 1

        return self._write(insert)

    def has_voted(self, request_id: int, voter: str) -> bool:
        """Return whether ``voter`` has voted for the request."""
        voter_id = clean_text(voter, "voter", required=True).casefold()
        with self._connect() as connection:
            row = connection.execute(
                "SELECT 1 FROM votes WHERE request_id = ? AND voter = ?",
                (_request_id(request_id), voter_id),
            ).fetchone()
        return row is not None

    def ranked(self, statuses: tuple[str, ...] = VISIBLE_STATUSES) -> list[DataRequest]:
        """Return the requests with ``statuses``, most votes first, then oldest first."""
        for status in statuses:
            _check_status(status)
        placeholders = ", ".join("?" for _ in statuses)
        query = (
            "SELECT r.id, r.title, r.reason, r.publisher, r.use, r.author, r.created_at, "
            "r.status, r.merged_into, r.published_url, COUNT(v.voter) AS votes "
            "FROM requests AS r LEFT JOIN votes AS v ON v.request_id = r.id "
            f"WHERE r.status IN ({placeholders}) "
            "GROUP BY r.id ORDER BY votes DESC, r.created_at ASC, r.id ASC"
        )
        with self._connect() as connection:
            rows = connection.execute(query, tuple(statuses)).fetchall()
        return [DataRequest(*row) for row in rows]

    def get(self, request_id: int) -> DataRequest:
        """Return one request, whatever its status.

        Raises
        ------
        BoardInputError
            If no request has that id.
        """
        for request in self.ranked(STATUSES):
            if request.id == _request_id(request_id):
                return request
        raise BoardInputError(
            fr=f"Demande introuvable : {request_id!r}.",
            en=f"Request not found: {request_id!r}.",
        )

    # Instructors --------------------------------------------------------

    def hide(self, request_id: int, hidden: bool = True) -> None:
        """Hide a request from learners, or show it again (``hidden=False``)."""
        status = "hidden" if hidden else "open"
        self._set_status(
            request_id, status, allowed_from=("open", "hidden", "published")
        )
        logger.info("Request %d set to %s", request_id, status)

    def merge(self, source_id: int, target_id: int) -> None:
        """Merge request ``source_id`` into ``target_id``: votes move, the source hides.

        A voter who voted for both keeps one vote.
        """
        source_id, target_id = _request_id(source_id), _request_id(target_id)
        if source_id == target_id:
            raise BoardInputError(
                fr="Une demande ne peut pas être fusionnée avec elle-même.",
                en="A request cannot be merged into itself.",
            )

        def merge(connection: sqlite3.Connection) -> None:
            found = dict(
                connection.execute(
                    "SELECT id, status FROM requests WHERE id IN (?, ?)",
                    (source_id, target_id),
                ).fetchall()
            )
            for request_id in (source_id, target_id):
                if found.get(request_id) not in ("open", "hidden", "published"):
                    raise BoardInputError(
                        fr=f"Demande introuvable ou déjà fusionnée : {request_id}.",
                        en=f"Request not found or already merged: {request_id}.",
                    )
            connection.execute(
                "INSERT OR IGNORE INTO votes (request_id, voter, created_at) "
                "SELECT ?, voter, created_at FROM votes WHERE request_id = ?",
                (target_id, source_id),
            )
            connection.execute("DELETE FROM votes WHERE request_id = ?", (source_id,))
            connection.execute(
                "UPDATE requests SET status = 'merged', merged_into = ? WHERE id = ?",
                (target_id, source_id),
            )

        self._write(merge)
        logger.info("Request %d merged into %d", source_id, target_id)

    def mark_published(self, request_id: int, url: str = "") -> None:
        """Mark a request as published, with the address of the dataset if known."""
        address = clean_text(url, "published_url")
        if address and urlsplit(address).scheme not in ("http", "https"):
            raise BoardInputError(
                fr=f"Adresse invalide : {address!r}. Donnez une adresse http ou https.",
                en=f"Invalid address: {address!r}. Give an http or https address.",
            )

        def update(connection: sqlite3.Connection) -> None:
            cursor = connection.execute(
                "UPDATE requests SET status = 'published', published_url = ? "
                "WHERE id = ? AND status IN ('open', 'hidden', 'published')",
                (address, _request_id(request_id)),
            )
            if cursor.rowcount != 1:
                raise BoardInputError(
                    fr=f"Demande introuvable ou fusionnée : {request_id!r}.",
                    en=f"Request not found or merged: {request_id!r}.",
                )

        self._write(update)

    def export_csv(self, statuses: tuple[str, ...] = STATUSES) -> str:
        """Return the requests as CSV text (UTF-8, comma, header row).

        Cells that a spreadsheet would read as a formula get a leading
        apostrophe.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for request in self.ranked(statuses):
            row = asdict(request)
            writer.writerow([_neutralise_formula(row[name]) for name in EXPORT_COLUMNS])
        return buffer.getvalue()

    # Storage ------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Open a connection with the busy timeout; close it afterwards."""
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            yield connection
        finally:
            connection.close()

    def _create_schema(self) -> None:
        """Create the tables and switch the database to WAL mode."""
        with self._connect() as connection:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("SQLite kept journal mode %s for %s", mode, self.path)
            connection.executescript(SCHEMA)

    def _write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` in one immediate transaction, retrying while locked."""

        def attempt() -> T:
            with self._connect() as connection:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    result = operation(connection)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return result

        return self._retry(attempt)

    def _retry(self, function: Callable[[], T]) -> T:
        """Call ``function``; on a locked database retry with backoff, bounded."""
        delay = FIRST_BACKOFF_SECONDS
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return function()
            except sqlite3.OperationalError as error:
                message = str(error).lower()
                if "locked" not in message and "busy" not in message:
                    raise
                if attempt == MAX_ATTEMPTS:
                    logger.error(
                        "Board %s still locked after %d attempts: %s",
                        self.path,
                        attempt,
                        error,
                    )
                    raise BoardInputError(
                        fr="Le tableau des besoins est occupé; réessayez dans un instant.",
                        en="The needs board is busy; try again in a moment.",
                    ) from error
                logger.warning(
                    "Board %s locked (attempt %d): %s; retrying",
                    self.path,
                    attempt,
                    error,
                )
                time.sleep(delay * (1 + random.random()))
                delay *= 2
        raise AssertionError("unreachable")

    def _set_status(
        self, request_id: int, status: str, *, allowed_from: tuple[str, ...]
    ) -> None:
        """Set the status of a request whose current status is in ``allowed_from``."""
        placeholders = ", ".join("?" for _ in allowed_from)

        def update(connection: sqlite3.Connection) -> None:
            cursor = connection.execute(
                f"UPDATE requests SET status = ? WHERE id = ? AND status IN ({placeholders})",
                (status, _request_id(request_id), *allowed_from),
            )
            if cursor.rowcount != 1:
                raise BoardInputError(
                    fr=f"Demande introuvable ou fusionnée : {request_id!r}.",
                    en=f"Request not found or merged: {request_id!r}.",
                )

        self._write(update)


def _request_id(value: object) -> int:
    """Return ``value`` as a request id, or raise BoardInputError."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BoardInputError(
            fr=f"Numéro de demande invalide : {value!r}. Choisissez une demande dans la liste.",
            en=f"Invalid request number: {value!r}. Choose a request from the list.",
        ) from None


def _check_use(use: str) -> str:
    """Return ``use`` if it is ``"direct"`` or ``"indirect"``."""
    if use not in USES:
        raise BoardInputError(
            fr=f"Usage invalide : {use!r}. Choisissez « direct » ou « indirect ».",
            en=f"Invalid use: {use!r}. Choose 'direct' or 'indirect'.",
        )
    return use


def _check_status(status: str) -> str:
    """Return ``status`` if it is a known request status."""
    if status not in STATUSES:
        raise ValueError(f"Unknown status {status!r}: use one of {STATUSES}.")
    return status


def _neutralise_formula(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _now() -> str:
    """Return the current UTC time as ISO 8601 text with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
