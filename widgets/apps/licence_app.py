"""App: licence and attribution helper.

The learner picks registered datasets or pastes dataset page addresses,
states whether they changed the data, and gets the credit lines (text,
Markdown or HTML, ready to copy), what each licence allows and requires,
and whether the data may go into a work under the licence they choose.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from widgets.apps.shell import AppShell, build_app
from widgets.attribution import (
    CreditSource,
    credit_lines,
    source_from_dataset,
    sources_from_url,
)
from widgets.licences import check_compatibility, find_licence, target_licences
from widgets.registry import list_datasets

logger = logging.getLogger(__name__)

VERDICT_SYMBOLS = {"yes": "✔", "no": "✖", "unknown": "?"}
VERDICT_COLOURS = {"yes": "#1b7a33", "no": "#b42318", "unknown": "#555"}
MAX_URLS = 20


class LicenceApp:
    """The widgets and behaviour of the licence and attribution helper."""

    def __init__(self, language: str | None = None) -> None:
        self.shell = AppShell(
            "Licences et attribution", "Licences and attribution", language
        )
        shell = self.shell
        self.datasets = w.SelectMultiple(rows=8, layout=w.Layout(width="100%"))
        self.datasets.add_class("dq-datasets")
        self.urls = w.Textarea(layout=w.Layout(width="100%", height="4em"))
        self.modified = w.Checkbox(value=False, indent=False)
        self.format = w.ToggleButtons()
        self.target = w.Dropdown(
            layout=w.Layout(width="40em"), style={"description_width": "8em"}
        )
        self.target.add_class("dq-target")
        self.credits_preview = w.HTML()
        self.credits_text = w.Textarea(layout=w.Layout(width="100%", height="9em"))
        self.credits_text.add_class("dq-credits")
        self.licence_cards = w.HTML()
        self.compatibility = w.HTML()
        self.compatibility.add_class("dq-compatibility")

        datasets_label = w.HTML()
        urls_label = w.HTML()
        credits_heading = w.HTML()
        licences_heading = w.HTML()
        compatibility_heading = w.HTML()
        shell.label(
            datasets_label,
            "value",
            "<b>Jeux de données du cours</b> (Ctrl ou Maj pour en choisir plusieurs)",
            "<b>Course datasets</b> (Ctrl or Shift to pick several)",
        )
        shell.label(
            urls_label,
            "value",
            "<b>Ou collez l'adresse de pages de jeux de données</b> (une par ligne)",
            "<b>Or paste dataset page addresses</b> (one per line)",
        )
        shell.label(
            self.modified,
            "description",
            "J'ai modifié les données",
            "I changed the data",
        )
        shell.label(
            credits_heading,
            "value",
            "<h3>Lignes de crédit</h3>",
            "<h3>Credit lines</h3>",
        )
        shell.label(
            licences_heading,
            "value",
            "<h3>Ce que les licences permettent</h3>",
            "<h3>What the licences allow</h3>",
        )
        shell.label(
            compatibility_heading,
            "value",
            "<h3>Compatibilité avec la licence de votre travail</h3>",
            "<h3>Compatibility with your work's licence</h3>",
        )
        shell.label(self.target, "description", "Votre licence", "Your licence")
        shell.label(
            self.urls,
            "placeholder",
            "https://www.donneesquebec.ca/recherche/dataset/…",
            "https://www.donneesquebec.ca/recherche/dataset/…",
        )

        self._fill_options()
        shell.body.children = [
            datasets_label,
            self.datasets,
            urls_label,
            self.urls,
            w.HBox([self.modified, self.format]),
            credits_heading,
            self.credits_preview,
            self.credits_text,
            compatibility_heading,
            self.target,
            self.compatibility,
            licences_heading,
            self.licence_cards,
        ]
        for widget in (
            self.datasets,
            self.urls,
            self.modified,
            self.format,
            self.target,
        ):
            widget.observe(self._on_change, names="value")
        shell.on_language(self._relabel)
        self.update()

    def sources(self) -> list[CreditSource]:
        """Return the credit sources the learner chose, datasets first."""
        chosen = [source_from_dataset(dataset) for dataset in self.datasets.value]
        lines = [line.strip() for line in self.urls.value.splitlines() if line.strip()]
        invalid = []
        for line in lines[:MAX_URLS]:
            try:
                chosen.extend(sources_from_url(line))
            except ValueError:
                invalid.append(line)
        if invalid:
            self.shell.show_notice(
                "Adresses ignorées (ce ne sont pas des adresses web) : "
                + ", ".join(invalid),
                "Addresses skipped (not web addresses): " + ", ".join(invalid),
            )
        return chosen

    def update(self) -> None:
        """Recompute the credit lines, licence cards and compatibility verdicts."""
        language = self.shell.language
        sources = self.sources()
        if not sources:
            hint = self.shell.text(
                "Choisissez au moins un jeu de données ou collez une adresse.",
                "Pick at least one dataset or paste an address.",
            )
            self.credits_preview.value = f"<p><i>{html.escape(hint)}</i></p>"
            self.credits_text.value = ""
            self.licence_cards.value = ""
            self.compatibility.value = ""
            return
        modified = self.modified.value
        self.credits_preview.value = (
            '<div class="dq-credit-preview">'
            + credit_lines(sources, language=language, fmt="html", modified=modified)
            + "</div>"
        )
        self.credits_text.value = credit_lines(
            sources, language=language, fmt=self.format.value, modified=modified
        )
        self.licence_cards.value = self._licence_cards(sources)
        self.compatibility.value = self._compatibility(sources)

    def _on_change(self, _change: dict) -> None:
        with self.shell.task(
            "mettre à jour les crédits", "update the credits", busy=False
        ):
            self.update()

    def _relabel(self) -> None:
        self._fill_options()
        self.update()

    def _fill_options(self) -> None:
        """Fill the option lists with labels in the current language."""
        shell = self.shell
        selected = self.datasets.value
        self.datasets.options = [
            (dataset.title(shell.language), dataset) for dataset in list_datasets()
        ]
        self.datasets.value = tuple(selected)
        current_format = self.format.value
        self.format.options = [
            (shell.text("Texte", "Text"), "text"),
            ("Markdown", "markdown"),
            ("HTML", "html"),
        ]
        self.format.value = current_format or "text"
        current_target = self.target.value or "cc-by"
        self.target.options = [
            (licence.title(shell.language), licence.id) for licence in target_licences()
        ]
        self.target.value = current_target

    def _licence_cards(self, sources: list[CreditSource]) -> str:
        """Return one HTML card per distinct licence among ``sources``."""
        language = self.shell.language
        seen: list[str] = []
        cards = []
        for source in sources:
            licence = find_licence(source.licence_id)
            key = licence.id if licence else f"?{source.licence_id}"
            if key in seen:
                continue
            seen.append(key)
            if licence is None:
                shown = source.licence_id or self.shell.text("aucune", "none")
                cards.append(
                    "<div class='dq-licence'><b>"
                    + html.escape(
                        self.shell.text("Licence inconnue", "Unknown licence")
                    )
                    + f"</b> ({html.escape(shown)}) : "
                    + html.escape(
                        self.shell.text(
                            "non considérée comme ouverte; vérifiez-la sur la page du jeu de données.",
                            "not treated as open; check it on the dataset page.",
                        )
                    )
                    + "</div>"
                )
                continue
            flags = [
                self.shell.text("ouverte", "open")
                if licence.open
                else self.shell.text("non ouverte", "not open"),
            ]
            if licence.share_alike:
                flags.append(self.shell.text("partage à l'identique", "share-alike"))
            if licence.non_commercial:
                flags.append(
                    self.shell.text("pas d'utilisation commerciale", "non-commercial")
                )
            allows = "".join(
                f"<li>{html.escape(item)}</li>" for item in licence.allows(language)
            )
            requires = "".join(
                f"<li>{html.escape(item)}</li>" for item in licence.requires(language)
            )
            link = licence.url(language)
            title = html.escape(licence.title(language))
            if link:
                title = f'<a href="{html.escape(link, quote=True)}">{title}</a>'
            cards.append(
                "<div class='dq-licence' style='margin-bottom:8px'>"
                f"<b>{title}</b> — {html.escape(', '.join(flags))}"
                f"<div>{html.escape(self.shell.text('Vous pouvez :', 'You may:'))}</div>"
                f"<ul>{allows}</ul>"
                f"<div>{html.escape(self.shell.text('À condition de :', 'Provided you:'))}</div>"
                f"<ul>{requires}</ul></div>"
            )
        return "".join(cards)

    def _compatibility(self, sources: list[CreditSource]) -> str:
        """Return an HTML table: may each source go into the chosen licence?"""
        language = self.shell.language
        rows = []
        for source in sources:
            verdict = check_compatibility(source.licence_id or None, self.target.value)
            conditions = "".join(
                f"<li>{html.escape(item)}</li>" for item in verdict.conditions(language)
            )
            rows.append(
                "<tr>"
                f"<td style='padding:4px 8px;color:{VERDICT_COLOURS[verdict.verdict]};"
                f"font-weight:bold' data-verdict='{verdict.verdict}'>"
                f"{VERDICT_SYMBOLS[verdict.verdict]}</td>"
                f"<td style='padding:4px 8px'>{html.escape(source.title(language))}</td>"
                f"<td style='padding:4px 8px'>{html.escape(verdict.reason(language))}"
                + (f"<ul>{conditions}</ul>" if conditions else "")
                + "</td></tr>"
            )
        return "<table><tbody>" + "".join(rows) + "</tbody></table>"


def licence_app(language: str | None = None) -> w.Widget:
    """Return the licence and attribution helper, ready to display."""
    return build_app(LicenceApp, language)
