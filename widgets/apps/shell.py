"""The frame every app shares: title, language toggle, progress, errors.

- The language toggle (French by default, or ``DONNEESQC_LANG``) relabels
  every widget registered with :meth:`AppShell.label` and calls the app's
  refresh hooks.
- :meth:`AppShell.task` wraps an action: it shows a progress indicator
  (visible once the action has lasted one second, through a CSS delay, so
  quick actions do not flicker) and turns any exception into a friendly
  message in both languages. Learners never see a traceback; instructors
  (``DONNEESQC_INSTRUCTOR=1``) get a checkbox that shows it.
"""

from __future__ import annotations

import html
import logging
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as w
import pandas as pd

from widgets.errors import CourseError
from widgets.i18n import check_language, pick

logger = logging.getLogger(__name__)

INSTRUCTOR_VARIABLE = "DONNEESQC_INSTRUCTOR"
LANGUAGE_OPTIONS = (("Français", "fr"), ("English", "en"))

STYLE = """
<style>
.dq-busy { opacity: 0; animation: dq-appear 0s linear 1s forwards; display: inline-flex;
  align-items: center; gap: 8px; color: #333; }
.dq-spinner { width: 16px; height: 16px; border: 3px solid #c8d3e0; border-top-color: #095797;
  border-radius: 50%; animation: dq-spin 0.8s linear infinite; }
@keyframes dq-spin { to { transform: rotate(360deg); } }
@keyframes dq-appear { to { opacity: 1; } }
.dq-error { border-left: 4px solid #b42318; background: #fdf0ef; padding: 8px 12px; }
.dq-error .dq-other { color: #555; font-size: 90%; margin-top: 4px; }
.dq-trace { white-space: pre-wrap; font-size: 85%; background: #f6f6f6; padding: 8px;
  max-height: 24em; overflow: auto; }
.dq-title h2 { margin: 0 0 4px 0; color: #095797; }
.dq-table { border-collapse: collapse; font-size: 90%; margin: 4px 0; }
.dq-table th, .dq-table td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left;
  vertical-align: top; max-width: 28em; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; line-height: 1.4; }
.dq-table.dq-wrap td { white-space: normal; }
.dq-table th { background: #eef3f8; }
.dq-table-wrap { max-width: 100%; overflow-x: auto; }
.dq-note { color: #444; font-size: 90%; }
.dq-url { font-family: monospace; font-size: 90%; overflow-wrap: anywhere; }
</style>
"""


def instructor_mode() -> bool:
    """Return whether ``DONNEESQC_INSTRUCTOR`` turns instructor mode on."""
    return os.environ.get(INSTRUCTOR_VARIABLE, "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def error_messages(
    error: BaseException, action_fr: str, action_en: str
) -> tuple[str, str]:
    """Return the French and English messages shown to a learner for ``error``.

    A :class:`widgets.errors.CourseError` carries its own messages; any
    other exception gets a general message that names the action.
    """
    if isinstance(error, CourseError):
        return error.message_fr, error.message_en
    fr = (
        f"Une erreur inattendue est survenue pendant l'action « {action_fr} ». "
        "Vérifiez vos choix et réessayez; si l'erreur revient, signalez-la à la "
        "personne qui donne le cours."
    )
    en = (
        f"An unexpected error occurred during '{action_en}'. Check your choices and "
        "try again; if the error comes back, tell your instructor."
    )
    return fr, en


class AppShell:
    """The shared frame of an app; ``widget`` is what the notebook displays.

    Parameters
    ----------
    title_fr, title_en
        The app's title in each language.
    language
        ``"fr"`` or ``"en"``; ``DONNEESQC_LANG`` or French by default.
    """

    def __init__(
        self, title_fr: str, title_en: str, language: str | None = None
    ) -> None:
        self.language = check_language(language)
        self.instructor = instructor_mode()
        self._labels: list[tuple[w.Widget, str, str, str]] = []
        self._refreshers: list[Callable[[], None]] = []
        self._error: tuple[str, str, str] | None = None

        self.style = w.HTML(STYLE)
        self.title = w.HTML(layout=w.Layout(flex="1 1 auto"))
        self.title.add_class("dq-title")
        self._title_texts = (title_fr, title_en)
        self.toggle = w.ToggleButtons(
            options=LANGUAGE_OPTIONS,
            value=self.language,
            tooltips=["Afficher en français", "Show in English"],
            style={"button_width": "90px"},
        )
        self.toggle.add_class("dq-language")
        self.toggle.observe(self._on_language, names="value")
        self.busy = w.HTML("")
        self.busy.add_class("dq-busy-box")
        self.error_box = w.HTML("")
        self.error_box.add_class("dq-error-box")
        self.trace_toggle = w.Checkbox(value=False, indent=False)
        self.trace_toggle.observe(lambda _change: self._render_error(), names="value")
        self.trace_box = w.HTML("")
        self.trace_row = w.VBox(
            [self.trace_toggle, self.trace_box], layout=w.Layout(display="none")
        )
        self.body = w.VBox([])
        header = w.HBox(
            [self.title, self.toggle],
            layout=w.Layout(align_items="center", width="100%"),
        )
        self.widget = w.VBox(
            [self.style, header, self.busy, self.error_box, self.trace_row, self.body],
            layout=w.Layout(max_width="1100px"),
        )
        self.widget.add_class("dq-app")
        self.label(
            self.trace_toggle,
            "description",
            "Afficher la trace technique (formateurs)",
            "Show the technical traceback (instructors)",
        )
        self._render_title()

    # Language -----------------------------------------------------------

    def text(self, fr: str, en: str) -> str:
        """Return ``fr`` or ``en`` for the current language."""
        return pick(fr, en, self.language)

    def label(self, widget: w.Widget, attribute: str, fr: str, en: str) -> w.Widget:
        """Set ``widget.attribute`` to the text of the current language, now and on toggle."""
        self._labels.append((widget, attribute, fr, en))
        setattr(widget, attribute, self.text(fr, en))
        return widget

    def on_language(self, refresh: Callable[[], None]) -> None:
        """Call ``refresh`` after every language change."""
        self._refreshers.append(refresh)

    def set_language(self, language: str) -> None:
        """Switch the app to ``language`` (same as clicking the toggle)."""
        self.toggle.value = check_language(language)

    def _on_language(self, change: dict) -> None:
        self.language = change["new"]
        for widget, attribute, fr, en in self._labels:
            setattr(widget, attribute, self.text(fr, en))
        self._render_title()
        self._render_error()
        for refresh in self._refreshers:
            with self.task("changer de langue", "change language", busy=False):
                refresh()

    def _render_title(self) -> None:
        title = self.text(*self._title_texts)
        self.title.value = f"<h2>{html.escape(title)}</h2>"

    # Progress and errors --------------------------------------------------

    @contextmanager
    def task(
        self, action_fr: str, action_en: str, *, busy: bool = True
    ) -> Iterator[None]:
        """Run the block with a progress indicator; show any error in the page.

        The exception is logged and not re-raised: the app stays usable.
        """
        self.clear_error()
        if busy:
            self.busy.value = (
                '<div class="dq-busy" role="status" aria-live="polite">'
                '<div class="dq-spinner"></div>'
                f"<span>{html.escape(self.text('Traitement en cours…', 'Working…'))}</span></div>"
            )
        try:
            yield
        except Exception as error:
            logger.exception("App action %r failed", action_en)
            self.show_error(error, action_fr, action_en)
        finally:
            self.busy.value = ""

    def callback(
        self, action_fr: str, action_en: str, function: Callable[..., None]
    ) -> Callable[..., None]:
        """Wrap ``function`` (a widget callback) in :meth:`task`."""

        def run(*args: object, **kwargs: object) -> None:
            with self.task(action_fr, action_en):
                function(*args, **kwargs)

        return run

    def show_error(
        self, error: BaseException, action_fr: str = "", action_en: str = ""
    ) -> None:
        """Show ``error`` as a message in both languages (traceback for instructors)."""
        fr, en = error_messages(error, action_fr, action_en)
        trace = "".join(traceback.format_exception(error))
        self._error = (fr, en, trace)
        self._render_error()

    def show_notice(self, fr: str, en: str) -> None:
        """Show a message in both languages, with no traceback."""
        self._error = (fr, en, "")
        self._render_error()

    def clear_error(self) -> None:
        """Remove the error message."""
        self._error = None
        self._render_error()

    def _render_error(self) -> None:
        if self._error is None:
            self.error_box.value = ""
            self.trace_row.layout.display = "none"
            self.trace_box.value = ""
            return
        fr, en, trace = self._error
        first, other = (fr, en) if self.language == "fr" else (en, fr)
        self.error_box.value = (
            '<div class="dq-error" role="alert">'
            f"<div>{html.escape(first)}</div>"
            f'<div class="dq-other" lang="{"en" if self.language == "fr" else "fr"}">'
            f"{html.escape(other)}</div></div>"
        )
        if not self.instructor or not trace:
            self.trace_row.layout.display = "none"
            return
        self.trace_row.layout.display = "flex"
        if self.trace_toggle.value:
            self.trace_box.value = f'<pre class="dq-trace">{html.escape(trace)}</pre>'
        else:
            self.trace_box.value = ""


def table_html(
    df: pd.DataFrame,
    *,
    max_rows: int | None = None,
    label: str = "",
    wrap: bool = False,
) -> str:
    """Return ``df`` as an escaped HTML table in a horizontally scrolling box.

    ``label`` becomes the table's accessible name (``aria-label``). Cells
    stay on one line (cut with an ellipsis past 28em) unless ``wrap``.
    """
    shown = df if max_rows is None else df.head(max_rows)
    table = shown.to_html(
        index=False,
        escape=True,
        border=0,
        classes="dq-table dq-wrap" if wrap else "dq-table",
        na_rep="",
    )
    if label:
        table = table.replace(
            "<table ", f'<table aria-label="{html.escape(label, quote=True)}" ', 1
        )
    return f'<div class="dq-table-wrap">{table}</div>'


def build_app(
    factory: Callable[[str | None], object], language: str | None = None
) -> w.Widget:
    """Return ``factory(language).shell.widget``, or a friendly error widget.

    Used by the notebooks, so that an app that fails to start shows a
    message instead of a traceback.
    """
    try:
        return factory(language).shell.widget
    except Exception as error:
        logger.exception(
            "App %r failed to start", getattr(factory, "__name__", factory)
        )
        shell = AppShell("Application indisponible", "App unavailable", language)
        shell.show_error(error, "démarrer l'application", "start the app")
        return shell.widget
