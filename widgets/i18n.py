"""Language selection for learner-facing text.

The course is French first. Messages shown to learners (errors, reports,
app labels) are written in both languages and picked at run time from the
``DONNEESQC_LANG`` environment variable (``fr`` or ``en``), unless the
caller passes a language explicitly.
"""

from __future__ import annotations

import os

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_VARIABLE = "DONNEESQC_LANG"


def current_language() -> str:
    """Return the learner's language, ``"fr"`` or ``"en"``.

    Reads ``DONNEESQC_LANG``; an unset or unknown value gives French.
    """
    value = os.environ.get(LANGUAGE_VARIABLE, DEFAULT_LANGUAGE).strip().lower()
    language = value[:2]
    if language in LANGUAGES:
        return language
    return DEFAULT_LANGUAGE


def check_language(language: str | None) -> str:
    """Validate ``language``, or return the current language when it is None.

    Raises
    ------
    ValueError
        If ``language`` is neither ``"fr"`` nor ``"en"``.
    """
    if language is None:
        return current_language()
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}: use 'fr' or 'en'.")
    return language


def pick(fr: str, en: str, language: str | None = None) -> str:
    """Return the French or the English text, by ``language``."""
    if check_language(language) == "en":
        return en
    return fr
