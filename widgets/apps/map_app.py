"""App: map view.

The learner picks a registered file with coordinates and the columns that
hold them; the app says which coordinate system it found (degrees, swapped
columns, MTM metres converted with pyproj) and draws the points or shapes
with ipyleaflet over a base layer of boundaries from a registered file.
OpenStreetMap tiles are added only when a quick check finds the tile
server reachable; offline, the page requests no tile at all.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w
from ipyleaflet import GeoJSON, Map, ScaleControl, TileLayer

from widgets.apps.shell import AppShell, build_app
from widgets.connectivity import tiles_reachable
from widgets.map_layers import (
    GEOMETRY,
    MAP_HEIGHT_PX,
    MAP_SOURCES,
    MapView,
    build_view,
    detection_notes,
    get_source,
)
from widgets.registry import get_dataset

logger = logging.getLogger(__name__)

DEFAULT_DATASET = "piscines-montreal"
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = "© OpenStreetMap contributors"
BASE_STYLE = {
    "color": "#6b7b8c",
    "weight": 1,
    "fillColor": "#dfe7ef",
    "fillOpacity": 0.5,
}
DATA_STYLE = {
    "color": "#095797",
    "weight": 2,
    "fillColor": "#1f78b4",
    "fillOpacity": 0.35,
}
POINT_STYLE = {
    "radius": 5,
    "color": "#ffffff",
    "weight": 1,
    "fillColor": "#d7301f",
    "fillOpacity": 0.9,
}


class MapApp:
    """The widgets and behaviour of the map view."""

    def __init__(self, language: str | None = None, tiles: bool | None = None) -> None:
        self.shell = AppShell("Carte des données", "Map view", language)
        shell = self.shell
        self.tiles = tiles_reachable() if tiles is None else tiles
        self.view: MapView | None = None
        self._filling = False

        self.dataset = w.Dropdown(layout=w.Layout(width="48em"))
        self.dataset.add_class("dq-dataset")
        self.pair = w.Dropdown(layout=w.Layout(width="30em"))
        self.pair.add_class("dq-pair")
        self.detection = w.HTML()
        self.detection.add_class("dq-detection")
        self.summary = w.HTML()
        self.summary.add_class("dq-map-summary")
        self.clicked = w.HTML()
        self.clicked.add_class("dq-clicked")
        self.base_note = w.HTML()
        self.base_note.add_class("dq-base-note")
        self.map = Map(
            layers=(),
            center=(45.55, -73.7),
            zoom=10,
            scroll_wheel_zoom=True,
            layout=w.Layout(width="100%", height=f"{MAP_HEIGHT_PX}px"),
        )
        self.map.add_class("dq-map")
        self.map.add(ScaleControl(position="bottomleft", imperial=False))

        shell.label(self.dataset, "description", "Jeu de données", "Dataset")
        shell.label(
            self.pair, "description", "Coordonnées (x, y)", "Coordinates (x, y)"
        )
        for widget in (self.dataset, self.pair):
            widget.style = {"description_width": "10em"}
        shell.body.children = [
            self.dataset,
            self.pair,
            self.detection,
            self.summary,
            self.map,
            self.clicked,
            self.base_note,
        ]
        self._fill_datasets()
        self.dataset.observe(self._on_dataset, names="value")
        self.pair.observe(self._on_pair, names="value")
        shell.on_language(self._relabel)
        with shell.task("dessiner la carte", "draw the map"):
            self._fill_pairs()
            self.draw()

    def draw(self) -> None:
        """Build the layers for the current choices and put them on the map."""
        self.clicked.value = ""
        if self.dataset.value is None or self.pair.value is None:
            return
        self.view = build_view(self.dataset.value, self.pair.value)
        base = GeoJSON(
            data=self.view.base.collection,
            style=BASE_STYLE,
            name="base",
        )
        data = GeoJSON(
            data=self.view.data.collection,
            style=DATA_STYLE,
            point_style=POINT_STYLE,
            hover_style={"fillOpacity": 0.6},
            name="data",
        )
        data.on_click(self._on_feature)
        layers = [base, data]
        if self.tiles:
            layers.insert(
                0,
                TileLayer(
                    url=TILE_URL, attribution=TILE_ATTRIBUTION, max_zoom=19, base=True
                ),
            )
        self.map.layers = tuple(layers)
        self.map.center = self.view.center
        self.map.zoom = self.view.zoom
        self._render_text()

    def _render_text(self) -> None:
        if self.view is None:
            return
        language = self.shell.language
        text = self.shell.text
        notes = detection_notes(self.view.data, language)
        swapped = (
            self.view.data.detection is not None
            and self.view.data.detection.kind == "latlon"
        )
        css = "dq-error" if swapped else "dq-note"
        self.detection.value = (
            f'<div class="{css}" data-kind="'
            f'{self.view.data.detection.kind if self.view.data.detection else ""}">'
            + "".join(f"<p>{html.escape(note)}</p>" for note in notes)
            + "</div>"
        )
        self.summary.value = (
            "<p>"
            + html.escape(
                text(
                    f"{self.view.data.size} élément(s) dessiné(s).",
                    f"{self.view.data.size} feature(s) drawn.",
                )
            )
            + "</p>"
        )
        base = self.view.base_label(language)
        if self.tiles:
            note = text(
                f"Fond : tuiles OpenStreetMap et {base} (fichier enregistré du cours).",
                f"Background: OpenStreetMap tiles and {base} (the course's registered file).",
            )
        else:
            note = text(
                f"Fond : {base}, dessinés à partir d'un fichier enregistré du cours. "
                "Les tuiles OpenStreetMap ne sont pas joignables : la carte n'en demande aucune.",
                f"Background: {base}, drawn from a registered file of the course. "
                "OpenStreetMap tiles are not reachable, so the map requests none.",
            )
        self.base_note.value = f'<p class="dq-note">{html.escape(note)}</p>'

    def _fill_datasets(self) -> None:
        language = self.shell.language
        current = self.dataset.value or DEFAULT_DATASET
        self._filling = True
        try:
            self.dataset.options = [
                (get_dataset(dataset_id).title(language), dataset_id)
                for dataset_id in MAP_SOURCES
            ]
            self.dataset.value = current
        finally:
            self._filling = False

    def _fill_pairs(self) -> None:
        source = get_source(self.dataset.value)
        current = self.pair.value
        self._filling = True
        try:
            self.pair.options = [
                (self._pair_label(pair), pair) for pair in source.pairs
            ]
            self.pair.value = current if current in source.pairs else source.pairs[0]
        finally:
            self._filling = False

    def _pair_label(self, pair: tuple[str, str]) -> str:
        if pair == (GEOMETRY, GEOMETRY):
            return self.shell.text(
                "géométrie du fichier GeoJSON", "the GeoJSON geometry"
            )
        return f"{pair[0]}, {pair[1]}"

    def _on_feature(self, feature: dict | None = None, **_kwargs: object) -> None:
        label = ((feature or {}).get("properties") or {}).get("label", "")
        self.clicked.value = f"<p><b>{html.escape(str(label))}</b></p>" if label else ""

    def _on_dataset(self, _change: dict) -> None:
        if self._filling:
            return
        with self.shell.task("dessiner la carte", "draw the map"):
            self._fill_pairs()
            self.draw()

    def _on_pair(self, _change: dict) -> None:
        if self._filling:
            return
        with self.shell.task("dessiner la carte", "draw the map"):
            self.draw()

    def _relabel(self) -> None:
        self._fill_datasets()
        self._fill_pairs()
        self._render_text()


def map_app(language: str | None = None) -> w.Widget:
    """Return the map view, ready to display."""
    return build_app(MapApp, language)
