"""altair settings shared by lessons and apps.

On the static site a chart must draw with no network, so the book build
(which sets ``DONNEESQC_BUILD=site``) renders charts as HTML that uses the
vega scripts vendored in ``widgets/static/vendor``. In JupyterLab, Voilà and
Binder, altair's default renderer is kept, because JupyterLab draws vega-lite
with its own bundled renderer.
"""

from __future__ import annotations

import logging
import os

import altair as alt
import pandas as pd

from widgets.i18n import check_language

logger = logging.getLogger(__name__)

BUILD_VARIABLE = "DONNEESQC_BUILD"

# d3-format and d3-time-format locales for Québec French, so axis labels
# read "1 234,5" and "janv. 2024" in the French edition.
FR_CA_FORMAT_LOCALE = {
    "decimal": ",",
    "thousands": "\u00a0",
    "grouping": [3],
    "currency": ["", "\u00a0$"],
}
FR_CA_TIME_LOCALE = {
    "dateTime": "%A %e %B %Y à %X",
    "date": "%Y-%m-%d",
    "time": "%H:%M:%S",
    "periods": ["", ""],
    "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    "months": [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ],
    "shortMonths": [
        "janv.", "févr.", "mars", "avr.", "mai", "juin",
        "juil.", "août", "sept.", "oct.", "nov.", "déc.",
    ],
}  # fmt: skip


def building_site() -> bool:
    """Return whether the code runs inside the static site build."""
    return os.environ.get(BUILD_VARIABLE, "") == "site"


def embed_options(language: str | None = None) -> dict:
    """Return vega-embed options: SVG output, export menu only, and the locale."""
    options: dict = {
        "renderer": "svg",
        "actions": {
            "export": True,
            "source": False,
            "compiled": False,
            "editor": False,
        },
    }
    if check_language(language) == "fr":
        options["formatLocale"] = FR_CA_FORMAT_LOCALE
        options["timeFormatLocale"] = FR_CA_TIME_LOCALE
    return options


def configure_altair(language: str | None = None) -> None:
    """Set altair's renderer and embed options, and pandas' display, for the course.

    Call it once at the top of a lesson or an app. pandas then prints table
    cells in full (credit lines and addresses are the point of some tables)
    and shows up to 30 columns before eliding.
    """
    language = check_language(language)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", 30)
    if building_site():
        alt.renderers.enable("html")
    alt.renderers.set_embed_options(**embed_options(language))
    logger.debug("altair renderer %s for language %s", alt.renderers.active, language)
