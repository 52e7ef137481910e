"""Tests of the catalogue, API, map and landing apps' widgets, without a browser.

The catalogue and API apps talk to the replica on 127.0.0.1; the map app
is built with tiles off and on (a tile layer object sends nothing by itself).
"""

import argparse
import html

import pytest
from ipyleaflet import TileLayer

from widgets.api_source import ApiSource, connect
from widgets.apps.api_app import ApiApp
from widgets.apps.apng import frame_count
from widgets.apps.app_list import APPS
from widgets.apps.catalogue_app import CatalogueApp
from widgets.apps.chart_app import ChartApp
from widgets.apps.landing import LandingApp
from widgets.apps.map_app import MapApp
from widgets.apps.screenshots import IMAGE_DIR, LANDING_FRAME, STEPS, WALKTHROUGH_DIR
from widgets.apps.serve import build_parser, voila_environment
from widgets.portal import API_VARIABLE

MAX_LANDING_BYTES = 150_000
MAX_WALKTHROUGH_BYTES = 600_000


def test_catalogue_first_page(no_instructor, replica_source):
    app = CatalogueApp("fr", source=replica_source)
    assert app.shell.error_box.value == ""
    assert "page 1 sur" in app.summary.value
    assert app.choice.value == app.page.packages[0]["name"]


def test_catalogue_filter_narrows(no_instructor, replica_source):
    app = CatalogueApp("fr", source=replica_source)
    before = app.page.count
    app.res_format.value = "GeoJSON"
    assert app.page.count < before
    assert f"{app.page.count} jeu(x)" in app.summary.value


def test_catalogue_next_page(no_instructor, replica_source):
    app = CatalogueApp("fr", source=replica_source)
    first = app.choice.options
    app.next.click()
    assert app.page.page == 2
    assert app.choice.options != first
    assert app.previous.disabled is False


def test_catalogue_preview_follows_resource(no_instructor, replica_source):
    app = CatalogueApp("fr", source=replica_source)
    app.keywords.value = "vélo"
    app.search_button.click()
    before = app.preview.value
    app.resource.value = app.resource.options[1][1]
    assert app.preview.value != before
    assert "datastore_search" in app.preview.value


def test_catalogue_english(no_instructor, replica_source):
    app = CatalogueApp("fr", source=replica_source)
    app.shell.set_language("en")
    assert "dataset(s) found" in app.summary.value
    assert app.organization.options[0][0] == "(all)"


def test_catalogue_says_replica(no_instructor, monkeypatch, replica):
    monkeypatch.delenv(API_VARIABLE, raising=False)
    source = connect()
    assert source.source == "replica"
    assert "réplique" in source.describe("fr")


def test_connect_prefers_variable(monkeypatch, replica):
    monkeypatch.setenv(API_VARIABLE, replica.api_url)
    assert connect().source == "configured"


def test_api_run_and_page(no_instructor, replica_source):
    app = ApiApp("fr", source=replica_source)
    app.run_button.click()
    assert "page 1 sur" in app.status.value
    app.next.click()
    assert "page 2 sur" in app.status.value
    assert app.inputs["offset"].value == str(app.page.limit)
    assert "offset=" + app.inputs["offset"].value in app.curl.value


def test_api_edit_updates_code(no_instructor, replica_source):
    app = ApiApp("fr", source=replica_source)
    app.set_values({"sort": "munnom asc"})
    assert "munnom+asc" in app.curl.value
    assert "'munnom asc'" in app.code.value


def test_api_bad_json_message(no_instructor, replica_source):
    app = ApiApp("en", source=replica_source)
    app.set_values({"filters": "{oops"})
    assert "not valid JSON" in app.shell.error_box.value


def test_api_change_action(no_instructor, replica_source):
    app = ApiApp("fr", source=replica_source)
    app.action.value = "package_search"
    assert set(app.inputs) == {"q", "fq", "rows", "start", "sort"}
    assert "package_search" in app.url.value


def test_map_offline_no_tiles(no_instructor):
    app = MapApp("fr", tiles=False)
    assert not any(isinstance(layer, TileLayer) for layer in app.map.layers)
    assert "aucune" in app.base_note.value


def test_map_online_adds_tiles(no_instructor):
    app = MapApp("fr", tiles=True)
    assert isinstance(app.map.layers[0], TileLayer)


def test_map_swapped_reported(no_instructor):
    app = MapApp("fr", tiles=False)
    app.pair.value = ("LAT", "LONG")
    assert 'data-kind="latlon"' in app.detection.value
    assert "inversées" in app.detection.value


def test_map_dataset_changes_layer(no_instructor):
    app = MapApp("fr", tiles=False)
    before = app.map.layers[-1].data
    app.dataset.value = "quartiers-quebec"
    assert app.map.layers[-1].data != before
    assert app.map.layers[0].data != before


def test_chart_2019_defaults_to_days(no_instructor):
    app = ChartApp("fr")
    app.dataset.value = "velos-comptage-2019"
    assert app.date_group.value == "day"
    assert app.shell.error_box.value == ""
    app.date_group.value = "month"
    assert "(par mois)" in app.chart.value


def test_landing_lists_apps(no_instructor):
    app = LandingApp("en")
    for info in APPS:
        assert info.title_en in app.cards.value
        assert f"files/{info.image}" in app.cards.value


def test_landing_french_toggle(no_instructor):
    app = LandingApp("en")
    app.shell.set_language("fr")
    assert html.escape(APPS[0].summary_fr) in app.cards.value


@pytest.mark.parametrize("info", APPS, ids=lambda info: info.key)
def test_landing_image_small(info):
    path = IMAGE_DIR / f"{info.key}.png"
    assert path.stat().st_size < MAX_LANDING_BYTES


@pytest.mark.parametrize("info", APPS, ids=lambda info: info.key)
def test_walkthrough_frames(info):
    data = (WALKTHROUGH_DIR / f"{info.key}.png").read_bytes()
    assert len(data) < MAX_WALKTHROUGH_BYTES
    assert frame_count(data) == len(STEPS[info.key])
    assert 4 <= frame_count(data) <= 6


def test_landing_frames_exist():
    for key, index in LANDING_FRAME.items():
        assert index < len(STEPS[key])


def test_serve_offline_flag():
    args = build_parser().parse_args(
        ["serve", "--offline", "--api", "http://127.0.0.1:1/"]
    )
    env = voila_environment(args)
    assert env["DONNEESQC_OFFLINE"] == "1"
    assert env[API_VARIABLE] == "http://127.0.0.1:1/"


def test_serve_online_by_default(monkeypatch):
    monkeypatch.delenv("DONNEESQC_OFFLINE", raising=False)
    env = voila_environment(
        argparse.Namespace(
            instructor=False, board_db=None, language=None, offline=False, api=None
        )
    )
    assert "DONNEESQC_OFFLINE" not in env


def test_api_source_describes_portal():
    source = ApiSource.__new__(ApiSource)
    source.source = "portal"
    source.client = type("Client", (), {"base_url": "https://example.invalid/api/"})()
    assert "portail" in source.describe("fr")
