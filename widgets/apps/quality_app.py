"""App: quality checker.

The learner picks a registered CSV dataset, gives the last-modified date
shown on the dataset page if they have it, and gets the service-level card:
freshness against the declared update frequency, completeness, duplicates,
type consistency and Table Schema validation.
"""

from __future__ import annotations

import datetime as dt
import logging

import ipywidgets as w

from widgets.apps.shell import AppShell, build_app
from widgets.apps.tables import load_text_table, tabular_datasets
from widgets.quality import FREQUENCY_LABELS, quality_card
from widgets.quality_card import card_html
from widgets.registry import get_dataset

logger = logging.getLogger(__name__)

NO_FREQUENCY = ""


class QualityApp:
    """The widgets and behaviour of the quality checker."""

    def __init__(self, language: str | None = None) -> None:
        self.shell = AppShell("Vérificateur de qualité", "Quality checker", language)
        shell = self.shell
        self.dataset = w.Dropdown(layout=w.Layout(width="48em"))
        self.frequency = w.Dropdown(layout=w.Layout(width="32em"))
        self.last_modified = w.DatePicker(value=None)
        self.today = w.DatePicker(value=dt.date.today())
        self.keys = w.SelectMultiple(rows=5, layout=w.Layout(width="32em"))
        self.validate = w.Checkbox(value=True, indent=False)
        self.dataset.add_class("dq-dataset")
        self.run = w.Button(button_style="primary", icon="check")
        self.run.add_class("dq-run")
        self.card = w.HTML()
        self.card.add_class("dq-quality-card")
        self.card_data = None
        self._filling = False

        shell.label(self.dataset, "description", "Jeu de données", "Dataset")
        shell.label(self.frequency, "description", "Fréquence", "Frequency")
        shell.label(
            self.last_modified, "description", "Dernière modif.", "Last modified"
        )
        shell.label(self.today, "description", "Aujourd'hui", "Today")
        shell.label(self.keys, "description", "Identifiants", "Identifiers")
        shell.label(
            self.validate,
            "description",
            "Valider avec un Table Schema déduit",
            "Validate with an inferred Table Schema",
        )
        shell.label(self.run, "description", "Vérifier", "Check")
        help_text = w.HTML()
        shell.label(
            help_text,
            "value",
            "<p>La date de dernière modification figure sur la page du jeu de données "
            "(« Dernière modification »). Sans elle, la fraîcheur reste inconnue.</p>",
            "<p>The last-modified date is on the dataset page ('Dernière "
            "modification'). Without it, freshness stays unknown.</p>",
        )
        style = {"description_width": "9em"}
        for widget in (
            self.dataset,
            self.frequency,
            self.last_modified,
            self.today,
            self.keys,
        ):
            widget.style = style
        self._fill_options()
        shell.body.children = [
            self.dataset,
            help_text,
            w.HBox([self.frequency]),
            w.HBox([self.last_modified, self.today]),
            self.keys,
            self.validate,
            self.run,
            self.card,
        ]
        self.dataset.observe(self._on_dataset, names="value")
        self.run.on_click(
            shell.callback(
                "vérifier la qualité", "check quality", lambda _button: self.check()
            )
        )
        shell.on_language(self._relabel)
        self._on_dataset({"new": self.dataset.value})

    def check(self) -> None:
        """Load the chosen file, run every check and show the card."""
        dataset = get_dataset(self.dataset.value)
        df = load_text_table(dataset.id)
        keys = [key for key in self.keys.value if key in df.columns]
        self.card_data = quality_card(
            df,
            title=dataset.title(self.shell.language),
            frequency=self.frequency.value or None,
            last_modified=self.last_modified.value,
            today=self.today.value or dt.date.today(),
            key_columns=keys,
            validate=self.validate.value,
        )
        self.card.value = card_html(self.card_data, self.shell.language)

    def _on_dataset(self, change: dict) -> None:
        """Preset the frequency and the identifier columns of the chosen dataset."""
        if self._filling:
            return
        with self.shell.task("charger le jeu de données", "load the dataset"):
            self.card.value = ""
            self.card_data = None
            dataset = get_dataset(change["new"])
            self.frequency.value = dataset.update_frequency or NO_FREQUENCY
            columns = list(load_text_table(dataset.id).columns)
            self.keys.options = columns
            self.keys.value = (
                tuple(dataset.id_columns[:1]) if dataset.id_columns else ()
            )

    def _relabel(self) -> None:
        self._fill_options()
        if self.card_data is not None:
            self.card_data.title = get_dataset(self.dataset.value).title(
                self.shell.language
            )
            self.card.value = card_html(self.card_data, self.shell.language)

    def _fill_options(self) -> None:
        """Fill the dropdowns with labels in the current language."""
        language = self.shell.language
        current = self.dataset.value
        self._filling = True
        try:
            self.dataset.options = [
                (dataset.title(language), dataset.id) for dataset in tabular_datasets()
            ]
            if current is not None:
                self.dataset.value = current
            elif self.dataset.options:
                self.dataset.value = self.dataset.options[0][1]
        finally:
            self._filling = False
        frequency = self.frequency.value or NO_FREQUENCY
        self.frequency.options = [
            (self.shell.text("non déclarée", "not declared"), NO_FREQUENCY)
        ] + [
            (labels[0] if language == "fr" else labels[1], code)
            for code, labels in FREQUENCY_LABELS.items()
        ]
        self.frequency.value = frequency


def quality_app(language: str | None = None) -> w.Widget:
    """Return the quality checker, ready to display."""
    return build_app(QualityApp, language)
