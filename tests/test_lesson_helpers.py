"""Lesson building blocks, the Sphinx extension's links and the site configuration."""

from __future__ import annotations

from pathlib import Path

import altair
import pytest

from widgets.lesson import credit_line, dataset_card, format_number
from widgets.registry import get_dataset
from widgets.site import merged_config, toc_path
from widgets.sphinxext import counterpart_url, vega_preload_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "language", "decimals", "expected"),
    [
        (1130, "fr", 0, "1\u00a0130"),
        (1130, "en", 0, "1,130"),
        (26.97, "fr", 2, "26,97"),
        (1234567.5, "en", 1, "1,234,567.5"),
        (0, "fr", 0, "0"),
    ],
)
def test_format_number(value, language, decimals, expected):
    assert format_number(value, language, decimals) == expected


def test_credit_line_names_publisher_and_licence():
    line = credit_line(get_dataset("piscines-montreal"), "fr")
    assert "Ville de Montréal" in line
    assert "Attribution (CC-BY 4.0)" in line
    assert line.startswith("Source : ")


def test_dataset_card_says_licence_unverified():
    html = dataset_card("repertoire-municipalites", "en").to_html()
    assert "not checked on the dataset page" in html
    assert "https://www.donneesquebec.ca/licence/#cc-by" in html


@pytest.mark.parametrize(
    ("pagename", "language", "expected"),
    [
        ("index", "fr", "../en/index.html"),
        ("lessons/02-explore", "fr", "../../en/lessons/02-explore.html"),
        ("lessons/02-explore", "en", "../../fr/lessons/02-explore.html"),
    ],
)
def test_counterpart_url(pagename, language, expected):
    assert counterpart_url(pagename, language) == expected


def test_vega_preload_uses_altair_versions():
    script = vega_preload_script()
    assert f'"vegalite_version": "{altair.VEGALITE_VERSION}"' in script
    assert f'"vega_version": "{altair.VEGA_VERSION}"' in script


def test_english_config_overrides_language(tmp_path):
    config = merged_config(ROOT, "en", tmp_path)
    assert config["sphinx"]["config"]["language"] == "en"
    assert config["repository"]["path_to_book"] == "book/en"
    assert (
        config["repository"]["url"]
        == merged_config(ROOT, "fr", tmp_path)["repository"]["url"]
    )


def test_french_config_is_root_config(tmp_path):
    config = merged_config(ROOT, "fr", tmp_path)
    assert config["sphinx"]["config"]["language"] == "fr"
    assert config["execute"]["cache"] == str(tmp_path / ".jupyter_cache" / "fr")


def test_editions_have_same_toc_entries():
    import yaml

    french = yaml.safe_load(toc_path(ROOT, "fr").read_text("utf-8"))
    english = yaml.safe_load(toc_path(ROOT, "en").read_text("utf-8"))

    def files(toc):
        return [
            chapter["file"] for part in toc["parts"] for chapter in part["chapters"]
        ]

    assert files(french) == files(english)
    assert french["root"] == english["root"]


def test_serve_without_build_fails_cleanly(tmp_path, caplog):
    from widgets.site import main

    assert main(["--build-dir", str(tmp_path), "serve", "--port", "0"]) == 1
    assert "run 'python -m widgets.site build' first" in caplog.text
