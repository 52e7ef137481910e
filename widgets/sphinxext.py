"""Sphinx extension shared by the French and English editions of the book.

It adds the ``{binder}`` role, and does three things on every HTML page:

* serves the vega, vega-lite and vega-embed scripts from the package
  (``widgets/static/vendor``) on pages with a chart, so altair charts draw
  with no network;
* links the page to the same page in the other edition (a visible switch and
  a ``<link rel="alternate" hreflang>``), assuming both editions sit side by
  side in one site as ``fr/`` and ``en/`` with the same page paths;
* adds the course stylesheet (self-check questions, dataset cards) and
  favicon, and drops thebe's scripts (see ``_is_thebe_script``).

The role links to a path of the course's Binder session, built from the
repository in ``_config.yml``: ``{binder}`Ouvrir les applications <voila/tree/notebooks>```.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import altair
from docutils import nodes
from sphinx.util.nodes import split_explicit_title

from widgets.binder import BinderSettings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_SCRIPTS = (
    "vendor/vega-6.4.0.min.js",
    "vendor/vega-lite-6.4.1.min.js",
    "vendor/vega-embed-7.3.0.min.js",
)
EDITIONS = {"fr": "Français", "en": "English"}


def vega_preload_script() -> str:
    """Return the inline script that marks the vendored vega libraries as loaded.

    altair's ``html`` renderer skips loading a library from its CDN when
    ``VEGA_DEBUG.<lib>_version`` equals the version it expects, so this
    records altair's own version strings once the vendored scripts ran.
    """
    versions = {
        "vega_version": altair.VEGA_VERSION,
        "vegalite_version": altair.VEGALITE_VERSION,
        "vegaembed_version": altair.VEGAEMBED_VERSION,
    }
    return f"var VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {json.dumps(versions)});"


def other_edition(language: str) -> str:
    """Return the code of the edition that is not ``language``."""
    return "en" if language == "fr" else "fr"


def counterpart_url(pagename: str, language: str) -> str:
    """Return the relative URL of the same page in the other edition.

    ``pagename`` is Sphinx's page name, such as ``lessons/02-explore``.
    """
    depth = pagename.count("/")
    prefix = "../" * (depth + 1)
    return f"{prefix}{other_edition(language)}/{pagename}.html"


def _add_static_files(app: Any, config: Any) -> None:
    config.html_static_path.append(str(STATIC_DIR))
    if not config.html_favicon:
        config.html_favicon = str(STATIC_DIR / "favicon.svg")
    for script in VENDOR_SCRIPTS:
        app.add_js_file(script)
    app.add_js_file(None, body=vega_preload_script())
    app.add_css_file("course.css")


def _add_language_switch(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    # An empty mode makes pydata-sphinx-theme log a console error on every page.
    if not context.get("default_mode"):
        context["default_mode"] = "light"
    if "script_files" in context:
        has_chart = "vegaEmbed" in context.get("body", "")
        context["script_files"] = [
            script
            for script in context["script_files"]
            if not _is_thebe_script(script)
            and (has_chart or not _is_vega_script(script))
        ]
    language = app.config.language or "fr"
    if language not in EDITIONS:
        return
    other = other_edition(language)
    url = counterpart_url(pagename, language)
    label = EDITIONS[other]
    context["metatags"] = (
        context.get("metatags", "")
        + f'\n<link rel="alternate" hreflang="{other}" href="{url}" />'
    )
    switch = (
        f'<p class="dq-language-switch"><a href="{url}" hreflang="{other}" '
        f'lang="{other}">{label}</a></p>\n'
    )
    if "body" in context:
        context["body"] = switch + context["body"]


def _is_vega_script(script: Any) -> bool:
    """Whether ``script`` is one of the vendored vega scripts, which only chart pages need."""
    filename = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "")
    # Sphinx prefixes the page's script names with "_static/".
    return filename.endswith(VENDOR_SCRIPTS) or "VEGA_DEBUG" in body


def _is_thebe_script(script: Any) -> bool:
    """Whether ``script`` belongs to thebe, which the course does not offer.

    Jupyter Book always loads sphinx-thebe, whose setup script is added twice
    (a console error) and whose live-code button loads thebe from a CDN.
    Learners run code on Binder or locally instead.
    """
    filename = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "")
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def binder_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict | None = None,
    content: list | None = None,
) -> tuple[list, list]:
    """Link to a path of the course's Binder session: ``{binder}`title <urlpath>```.

    The Binder URL comes from ``repository.url``, ``repository.branch`` and
    ``launch_buttons.binderhub_url`` of ``_config.yml``, as for the launch
    buttons; without a title the link shows the URL.
    """
    has_title, title, urlpath = split_explicit_title(text)
    config = inliner.document.settings.env.config
    try:
        settings = BinderSettings.from_theme_options(config.html_theme_options or {})
    except ValueError as error:
        message = inliner.reporter.error(str(error), line=lineno)
        problem = inliner.problematic(rawtext, rawtext, message)
        return [problem], [message]
    url = settings.launch_url(urlpath)
    node = nodes.reference(rawtext, title if has_title else url, refuri=url)
    node["classes"].append("dq-binder-link")
    return [node], []


def setup(app: Any) -> dict:
    """Register the extension with Sphinx."""
    app.add_role("binder", binder_role)
    app.connect("config-inited", _add_static_files)
    # A late priority, so the theme's own context values are already set.
    app.connect("html-page-context", _add_language_switch, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
