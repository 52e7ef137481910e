"""Exceptions raised by the course package.

Each message says what failed, on which value, and what to do next, in the
learner's language (see :mod:`widgets.i18n`). The English text is kept on
the exception as ``message_en`` so logs and tests can rely on it.
"""

from __future__ import annotations

from widgets.i18n import pick


class CourseError(Exception):
    """Base class of the errors this package raises on purpose."""

    def __init__(self, fr: str, en: str) -> None:
        self.message_fr = fr
        self.message_en = en
        super().__init__(pick(fr, en))


class UnknownDatasetError(CourseError, KeyError):
    """A dataset id that is not in the registry."""

    def __str__(self) -> str:
        # KeyError would otherwise print the message wrapped in quotes.
        return self.args[0]


class DownloadError(CourseError):
    """A file could not be downloaded from the portal or the mirror."""


class ChecksumMismatchError(CourseError):
    """A file's sha256 differs from the one in the registry."""


class MissingColumnsError(CourseError):
    """A new version of a file lacks columns that the course relies on."""


class ReadError(CourseError, ValueError):
    """A file could not be read as a table."""
