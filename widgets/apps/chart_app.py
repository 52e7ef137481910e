"""App: chart builder.

The learner picks a registered CSV dataset, the x and y columns, an
aggregation and a mark; dates on x can be grouped by day, week or month. The app draws the chart (a static SVG rendered by
vl-convert, so the page loads no chart library from a CDN), writes its alt
text, shows the pandas + altair code that draws it, and offers PNG and SVG
downloads.
"""

from __future__ import annotations

import base64
import html
import logging

import ipywidgets as w

from widgets.apps.shell import AppShell, build_app
from widgets.apps.tables import load_table, tabular_datasets
from widgets.chartbuilder import (
    AGGREGATION_LABELS,
    DATE_GROUP_LABELS,
    MARK_LABELS,
    MAX_POINTS,
    ChartSpec,
    alt_text,
    build_chart,
    chart_code,
    export_png,
    export_svg,
    numeric_columns,
)
from widgets.registry import get_dataset

logger = logging.getLogger(__name__)

DEFAULT_TOP = 20
NO_GROUP = ""
AGGREGATION_NAMES = {
    "none": ("aucune (valeurs brutes)", "none (raw values)"),
    "count": ("nombre de lignes", "number of rows"),
    "sum": ("somme", "sum"),
    "mean": ("moyenne", "mean"),
    "median": ("médiane", "median"),
    "min": ("minimum", "minimum"),
    "max": ("maximum", "maximum"),
}


class ChartApp:
    """The widgets and behaviour of the chart builder."""

    def __init__(self, language: str | None = None) -> None:
        self.shell = AppShell("Constructeur de graphiques", "Chart builder", language)
        shell = self.shell
        self.df = None
        self._filling = False
        self.dataset = w.Dropdown(layout=w.Layout(width="48em"))
        self.x = w.Dropdown(layout=w.Layout(width="30em"))
        self.y = w.Dropdown(layout=w.Layout(width="30em"))
        self.aggregate = w.Dropdown(layout=w.Layout(width="30em"))
        self.mark = w.ToggleButtons()
        self.x_is_date = w.Checkbox(value=False, indent=False)
        self.date_group = w.Dropdown(layout=w.Layout(width="30em"))
        self.date_group.add_class("dq-date-group")
        self.top = w.BoundedIntText(
            value=DEFAULT_TOP, min=0, max=500, layout=w.Layout(width="24em")
        )
        for widget, name in (
            (self.dataset, "dq-dataset"),
            (self.x, "dq-x"),
            (self.y, "dq-y"),
            (self.aggregate, "dq-aggregate"),
        ):
            widget.add_class(name)
        self.chart = w.HTML()
        self.chart.add_class("dq-chart")
        self.alt = w.HTML()
        self.alt.add_class("dq-alt-text")
        self.code = w.Textarea(layout=w.Layout(width="100%", height="20em"))
        self.code.add_class("dq-code")
        self.downloads = w.HTML()

        shell.label(self.dataset, "description", "Jeu de données", "Dataset")
        shell.label(self.x, "description", "Axe x", "x axis")
        shell.label(self.y, "description", "Axe y", "y axis")
        shell.label(self.aggregate, "description", "Agrégation", "Aggregation")
        shell.label(
            self.x_is_date,
            "description",
            "x contient des dates (jour en premier)",
            "x holds dates (day first)",
        )
        shell.label(self.date_group, "description", "Regrouper par", "Group by")
        shell.label(
            self.top,
            "description",
            "Garder les N plus grandes (0 = toutes)",
            "Keep the N largest (0 = all)",
        )
        code_heading = w.HTML()
        shell.label(
            code_heading,
            "value",
            "<h3>Le code qui dessine ce graphique</h3>",
            "<h3>The code that draws this chart</h3>",
        )
        style = {"description_width": "9em"}
        for widget in (self.dataset, self.x, self.y, self.aggregate, self.date_group):
            widget.style = style
        self.top.style = {"description_width": "initial"}

        self._fill_options()
        shell.body.children = [
            self.dataset,
            w.HBox([self.x, self.x_is_date]),
            self.date_group,
            self.y,
            self.aggregate,
            self.mark,
            self.top,
            self.chart,
            self.alt,
            self.downloads,
            code_heading,
            self.code,
        ]
        self.dataset.observe(self._on_dataset, names="value")
        for widget in (
            self.x,
            self.y,
            self.aggregate,
            self.mark,
            self.x_is_date,
            self.date_group,
            self.top,
        ):
            widget.observe(self._on_choice, names="value")
        shell.on_language(self._relabel)
        self._on_dataset({"new": self.dataset.value})

    def spec(self) -> ChartSpec:
        """Return the learner's current choices as a :class:`ChartSpec`."""
        return ChartSpec(
            x=self.x.value,
            y=self.y.value,
            aggregate=self.aggregate.value,
            mark=self.mark.value,
            x_is_date=self.x_is_date.value,
            date_group=(self.date_group.value or None)
            if self.x_is_date.value
            else None,
            top=self.top.value or None,
        )

    def draw(self) -> None:
        """Build the chart for the current choices and show it with its code."""
        self.chart.value = self.alt.value = self.downloads.value = self.code.value = ""
        if self.df is None or self.x.value is None:
            return
        language = self.shell.language
        spec = self.spec()
        chart = build_chart(self.df, spec, language)
        description = alt_text(self.df, spec, language)
        svg = export_svg(chart, language)
        png = export_png(chart, scale=2, language=language)
        self.chart.value = (
            f'<figure role="img" aria-label="{html.escape(description, quote=True)}" '
            f'style="margin:0">{svg}</figure>'
        )
        self.alt.value = (
            f"<p><b>{html.escape(self.shell.text('Texte de remplacement :', 'Alt text:'))}</b> "
            f"{html.escape(description)}</p>"
        )
        self.code.value = chart_code(self.df, spec, language)
        svg_link = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        png_link = base64.b64encode(png).decode("ascii")
        self.downloads.value = (
            f'<a download="graphique.png" href="data:image/png;base64,{png_link}">'
            f"{html.escape(self.shell.text('Télécharger en PNG', 'Download as PNG'))}</a>"
            " · "
            f'<a download="graphique.svg" href="data:image/svg+xml;base64,{svg_link}">'
            f"{html.escape(self.shell.text('Télécharger en SVG', 'Download as SVG'))}</a>"
        )

    def _on_dataset(self, change: dict) -> None:
        """Load the chosen dataset and preset sensible axes."""
        if self._filling or change["new"] is None:
            return
        with self.shell.task("charger le jeu de données", "load the dataset"):
            dataset = get_dataset(change["new"])
            self.df = load_table(dataset.id)
            # Identifier columns look numeric but summing them means nothing.
            numbers = [
                name
                for name in numeric_columns(self.df)
                if name not in dataset.id_columns
            ]
            others = [str(name) for name in self.df.columns if str(name) not in numbers]
            self._filling = True
            try:
                self.x.options = list(map(str, self.df.columns))
                self.y.options = numbers
                self.x.value = (
                    dataset.date_columns[0]
                    if dataset.date_columns
                    else (others[0] if others else self.x.options[0])
                )
                self.x_is_date.value = self.x.value in dataset.date_columns
                # A long time series (the 2019 file has 35 040 rows of 15 minutes)
                # is drawn one point per day unless the learner asks otherwise.
                self.date_group.value = (
                    "day"
                    if self.x_is_date.value and len(self.df) > MAX_POINTS
                    else NO_GROUP
                )
                self.y.value = numbers[0] if numbers else None
                self.aggregate.value = "sum" if numbers else "count"
                self.mark.value = "line" if self.x_is_date.value else "bar"
            finally:
                self._filling = False
            self.draw()

    def _on_choice(self, _change: dict) -> None:
        if self._filling:
            return
        with self.shell.task("dessiner le graphique", "draw the chart"):
            self.draw()

    def _relabel(self) -> None:
        self._fill_options()
        self.draw()

    def _fill_options(self) -> None:
        """Fill the option lists with labels in the current language."""
        language = self.shell.language
        self._filling = True
        try:
            current = self.dataset.value
            self.dataset.options = [
                (dataset.title(language), dataset.id) for dataset in tabular_datasets()
            ]
            self.dataset.value = current or self.dataset.options[0][1]
            aggregate = self.aggregate.value or "sum"
            self.aggregate.options = [
                (self.shell.text(*AGGREGATION_NAMES[name]), name)
                for name in AGGREGATION_LABELS
            ]
            self.aggregate.value = aggregate
            group = self.date_group.value or NO_GROUP
            self.date_group.options = [
                (self.shell.text("non (chaque date)", "no (every date)"), NO_GROUP)
            ] + [
                (self.shell.text(*labels), name)
                for name, labels in DATE_GROUP_LABELS.items()
            ]
            self.date_group.value = group
            mark = self.mark.value or "bar"
            self.mark.options = [
                (self.shell.text(*labels), name) for name, labels in MARK_LABELS.items()
            ]
            self.mark.value = mark
        finally:
            self._filling = False


def chart_app(language: str | None = None) -> w.Widget:
    """Return the chart builder, ready to display."""
    return build_app(ChartApp, language)
