"""App: catalogue explorer.

The learner searches the catalogue by keywords, organization, format and
licence, pages through the results (title, publisher, licence, declared
frequency, last update), then picks a dataset to see its metadata, its
resources and the first rows of a resource. Requests go to the API chosen
by :func:`widgets.api_source.connect`: ``DONNEESQC_API``, the portal, or a
replica the app starts itself when offline. The page names the source.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from widgets.api_source import ApiSource, connect
from widgets.apps.shell import AppShell, build_app, table_html
from widgets.catalogue_search import (
    CatalogueFilters,
    CataloguePage,
    PreviewUnavailableError,
    facet_options,
    metadata_rows,
    preview_resource,
    resources_table,
    results_table,
    search_catalogue,
)

logger = logging.getLogger(__name__)

ROWS_PER_PAGE = 5
ALL = ("(tous)", "(all)")
ANY = ""


class CatalogueApp:
    """The widgets and behaviour of the catalogue explorer."""

    def __init__(
        self, language: str | None = None, source: ApiSource | None = None
    ) -> None:
        self.shell = AppShell(
            "Explorateur du catalogue", "Catalogue explorer", language
        )
        shell = self.shell
        self.source: ApiSource | None = source
        self.page: CataloguePage | None = None
        self.package: dict | None = None
        self._filling = False

        self.source_box = w.HTML()
        self.source_box.add_class("dq-source")
        # The search runs on Enter or when the field loses focus, not on each key.
        self.keywords = w.Text(continuous_update=False, layout=w.Layout(width="30em"))
        self.keywords.add_class("dq-keywords")
        self.search_button = w.Button(button_style="primary", icon="search")
        self.search_button.add_class("dq-search")
        self.organization = w.Dropdown(layout=w.Layout(width="30em"))
        self.organization.add_class("dq-organization")
        self.res_format = w.Dropdown(layout=w.Layout(width="20em"))
        self.res_format.add_class("dq-format")
        self.licence = w.Dropdown(layout=w.Layout(width="30em"))
        self.licence.add_class("dq-licence")
        self.summary = w.HTML()
        self.summary.add_class("dq-summary")
        self.previous = w.Button(icon="arrow-left")
        self.previous.add_class("dq-previous")
        self.next = w.Button(icon="arrow-right")
        self.next.add_class("dq-next")
        self.results = w.HTML()
        self.results.add_class("dq-results")
        self.choice = w.Select(rows=ROWS_PER_PAGE, layout=w.Layout(width="60em"))
        self.choice.add_class("dq-choice")
        self.details = w.HTML()
        self.details.add_class("dq-details")
        self.resource = w.Dropdown(layout=w.Layout(width="48em"))
        self.resource.add_class("dq-resource")
        self.preview = w.HTML()
        self.preview.add_class("dq-preview")

        shell.label(self.keywords, "description", "Mots-clés", "Keywords")
        shell.label(
            self.keywords, "placeholder", "p. ex. vélo, piscines", "e.g. vélo, piscines"
        )
        shell.label(self.search_button, "description", "Chercher", "Search")
        shell.label(self.organization, "description", "Organisation", "Organization")
        shell.label(self.res_format, "description", "Format", "Format")
        shell.label(self.licence, "description", "Licence", "Licence")
        shell.label(self.previous, "description", "Page précédente", "Previous page")
        shell.label(self.next, "description", "Page suivante", "Next page")
        shell.label(self.choice, "description", "Jeu de données", "Dataset")
        shell.label(self.resource, "description", "Ressource", "Resource")
        for widget in (
            self.keywords,
            self.organization,
            self.res_format,
            self.licence,
            self.choice,
            self.resource,
        ):
            widget.style = {"description_width": "8em"}
        results_heading = w.HTML()
        shell.label(results_heading, "value", "<h3>Résultats</h3>", "<h3>Results</h3>")
        details_heading = w.HTML()
        shell.label(
            details_heading,
            "value",
            "<h3>Le jeu de données choisi</h3>",
            "<h3>The chosen dataset</h3>",
        )

        shell.body.children = [
            self.source_box,
            w.HBox([self.keywords, self.search_button]),
            self.organization,
            self.res_format,
            self.licence,
            results_heading,
            self.summary,
            w.HBox([self.previous, self.next]),
            self.results,
            self.choice,
            details_heading,
            self.details,
            self.resource,
            self.preview,
        ]
        self.search_button.on_click(lambda _button: self._search(page=1))
        self.keywords.observe(lambda _change: self._search(page=1), names="value")
        for dropdown in (self.organization, self.res_format, self.licence):
            dropdown.observe(self._on_filter, names="value")
        self.previous.on_click(lambda _button: self._turn(-1))
        self.next.on_click(lambda _button: self._turn(1))
        self.choice.observe(self._on_choice, names="value")
        self.resource.observe(self._on_resource, names="value")
        shell.on_language(self._relabel)

        with shell.task("se connecter à l'API", "connect to the API"):
            if self.source is None:
                self.source = connect()
            self._render_source()
            self._search(page=1)

    # Actions --------------------------------------------------------------

    def filters(self) -> CatalogueFilters:
        """Return the learner's current keywords and filters."""
        return CatalogueFilters(
            keywords=self.keywords.value,
            organization=self.organization.value or None,
            res_format=self.res_format.value or None,
            license_id=self.licence.value or None,
        )

    def search(self, page: int = 1) -> None:
        """Run the search for the current filters and show ``page``."""
        if self.source is None:
            return
        self.page = search_catalogue(
            self.source.client, self.filters(), page=page, rows=ROWS_PER_PAGE
        )
        self._fill_filters()
        self._render_results()

    def select(self, package_name: str | None) -> None:
        """Show the metadata, resources and preview of ``package_name``."""
        self.package = None
        self.details.value = self.preview.value = ""
        if package_name is None or self.source is None:
            self._fill_resources()
            return
        self.package = self.source.client.package_show(package_name).result
        self._render_details()
        self._fill_resources()
        self.show_preview()

    def show_preview(self) -> None:
        """Show the first rows of the chosen resource and the request that gave them."""
        self.preview.value = ""
        if self.package is None or self.resource.value is None or self.source is None:
            return
        resource = next(
            item
            for item in self.package.get("resources", [])
            if item.get("id") == self.resource.value
        )
        text = self.shell.text
        try:
            preview = preview_resource(self.source.client, resource)
        except PreviewUnavailableError as error:
            message = text(error.message_fr, error.message_en)
            self.preview.value = f'<p class="dq-note">{html.escape(message)}</p>'
            return
        if preview.source == "datastore":
            origin = text(
                "Premières lignes lues avec datastore_search :",
                "First rows read with datastore_search:",
            )
        else:
            origin = text(
                "Premières lignes lues dans le fichier enregistré du cours :",
                "First rows read from the course's registered file:",
            )
        total = (
            text(f"{preview.total} lignes en tout.", f"{preview.total} rows in all.")
            if preview.total is not None
            else ""
        )
        self.preview.value = (
            f'<p class="dq-note">{html.escape(origin)} '
            f'<span class="dq-url">{html.escape(preview.url)}</span> {html.escape(total)}</p>'
            + table_html(preview.table, label=text("Aperçu", "Preview"))
        )

    # Rendering ------------------------------------------------------------

    def _render_source(self) -> None:
        if self.source is not None:
            self.source_box.value = f'<p class="dq-note">{html.escape(self.source.describe(self.shell.language))}</p>'

    def _render_results(self) -> None:
        page, text = self.page, self.shell.text
        if page is None:
            return
        self.summary.value = (
            "<p>"
            + html.escape(
                text(
                    f"{page.count} jeu(x) de données trouvé(s) — page {page.page} sur {page.pages}.",
                    f"{page.count} dataset(s) found — page {page.page} of {page.pages}.",
                )
            )
            + f'</p><p class="dq-note">{html.escape(text("Requête :", "Request:"))} '
            f'<span class="dq-url">{html.escape(page.url)}</span></p>'
        )
        self.previous.disabled = page.page <= 1
        self.next.disabled = page.page >= page.pages
        table = results_table(page.packages, self.shell.language)
        self.results.value = table_html(
            table, label=text("Résultats", "Results"), wrap=True
        )
        current = self.choice.value
        names = [package["name"] for package in page.packages]
        self._filling = True
        try:
            self.choice.options = [
                (package.get("title") or package["name"], package["name"])
                for package in page.packages
            ]
            if current in names:
                self.choice.value = current
            elif names:
                self.choice.value = names[0]
            else:
                self.choice.value = None
        finally:
            self._filling = False
        self.select(self.choice.value)

    def _render_details(self) -> None:
        if self.package is None:
            return
        rows = "".join(
            f"<dt><b>{html.escape(label)}</b></dt><dd>{html.escape(value)}</dd>"
            for label, value in metadata_rows(self.package, self.shell.language)
        )
        resources = resources_table(self.package, self.shell.language)
        self.details.value = f"<dl>{rows}</dl>" + table_html(
            resources, label=self.shell.text("Ressources", "Resources"), wrap=True
        )

    def _fill_filters(self) -> None:
        """Refill the filter dropdowns from the facets of the last search."""
        if self.page is None:
            return
        everything = self.shell.text(*ALL)
        self._filling = True
        try:
            for dropdown, name in (
                (self.organization, "organization"),
                (self.res_format, "res_format"),
                (self.licence, "license_id"),
            ):
                selected = dropdown.value
                # An empty value, not None: a dropdown whose value is None shows no label.
                dropdown.options = [(everything, ANY)] + facet_options(
                    self.page.facets, name, selected or None
                )
                dropdown.value = selected or ANY
        finally:
            self._filling = False

    def _fill_resources(self) -> None:
        self._filling = True
        try:
            resources = (self.package or {}).get("resources", [])
            self.resource.options = [
                (
                    f"{item.get('name') or item.get('id')} ({item.get('format') or '?'})",
                    item.get("id"),
                )
                for item in resources
            ]
            self.resource.value = resources[0].get("id") if resources else None
        finally:
            self._filling = False

    # Callbacks ------------------------------------------------------------

    def _search(self, page: int) -> None:
        with self.shell.task("chercher dans le catalogue", "search the catalogue"):
            self.search(page)

    def _turn(self, step: int) -> None:
        if self.page is not None:
            self._search(self.page.page + step)

    def _on_filter(self, _change: dict) -> None:
        if not self._filling:
            self._search(page=1)

    def _on_choice(self, change: dict) -> None:
        if self._filling:
            return
        with self.shell.task("afficher le jeu de données", "show the dataset"):
            self.select(change["new"])

    def _on_resource(self, _change: dict) -> None:
        if self._filling:
            return
        with self.shell.task("afficher l'aperçu", "show the preview"):
            self.show_preview()

    def _relabel(self) -> None:
        self._render_source()
        self._fill_filters()
        self._render_results()


def catalogue_app(language: str | None = None) -> w.Widget:
    """Return the catalogue explorer, ready to display."""
    return build_app(CatalogueApp, language)
