"""The analysis, chart, quality and standards pages quote figures computed from the data.

Each test recomputes one figure with plain pandas from the verified file
and looks for it among the glued values of the built page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from widgets.fetch import fetch
from widgets.lesson import format_number

pytestmark = pytest.mark.slow

EDITIONS = ["fr", "en"]


def _pasted_texts(site: Path, edition: str, page: str) -> list[str]:
    soup = BeautifulSoup((site / edition / page).read_text("utf-8"), "html.parser")
    return [span.get_text() for span in soup.select("span.pasted-text")]


def _code_texts(site: Path, edition: str, page: str) -> list[str]:
    soup = BeautifulSoup((site / edition / page).read_text("utf-8"), "html.parser")
    return [code.get_text() for code in soup.select("p code.literal")]


def _regional_rates() -> pd.Series:
    """Adult recipients per 1,000 inhabitants by region code, from the raw files."""
    aide = pd.read_csv(fetch("aide-sociale-adultes-2024-12"), encoding="utf-8-sig")
    regions = aide[aide["Caracteristique"] == "Région"]
    codes = regions["Valeur"].str.extract(r"^(\d{2}) - ", expand=False)
    adults = (regions["Femmes"] + regions["Hommes"]).groupby(codes).sum()
    directory = pd.read_csv(
        fetch("repertoire-municipalites"), encoding="utf-8-sig", dtype=str
    )
    directory_codes = directory["regadm"].str.extract(r"\((\d{2})\)$", expand=False)
    population = pd.to_numeric(directory["mpopul"]).groupby(directory_codes).sum()
    return (adults / population * 1000).dropna()


@pytest.mark.parametrize("edition", EDITIONS)
def test_analysis_highest_rate(built_site, edition):
    rates = _regional_rates()
    texts = _pasted_texts(built_site, edition, "lessons/07-analysis.html")
    assert format_number(rates.max(), edition, 1) in texts


@pytest.mark.parametrize("edition", EDITIONS)
def test_analysis_reports_unmatched_region(built_site, edition):
    texts = _pasted_texts(built_site, edition, "lessons/07-analysis.html")
    assert "Région inconnue" in texts


@pytest.mark.parametrize("edition", EDITIONS)
def test_charts_all_have_alt_text(built_site, edition):
    page = (built_site / edition / "lessons/08-charts.html").read_text("utf-8")
    specs = re.findall(r'"\$schema":', page)
    descriptions = re.findall(r'"description":\s*"[^"]+"', page)
    assert specs, "no chart on the page"
    assert len(descriptions) >= len(specs)


@pytest.mark.parametrize("edition", EDITIONS)
def test_quality_names_duplicate_row(built_site, edition):
    pools = pd.read_csv(fetch("piscines-montreal"), dtype=str)
    duplicate = pools[pools.duplicated()]["NOM"].iloc[0]
    texts = _pasted_texts(built_site, edition, "lessons/10-quality.html")
    assert duplicate in texts


@pytest.mark.parametrize("edition", EDITIONS)
def test_standards_names_code_mismatch(built_site, edition):
    boundaries = json.loads(
        fetch("limites-administratives-montreal").read_text("utf-8")
    )
    directory = pd.read_csv(
        fetch("repertoire-municipalites"), encoding="utf-8-sig", dtype=str
    )
    names = directory.set_index("mcode")["munnom"]
    mismatches = [
        names[feature["properties"]["CODEMAMROT"]]
        for feature in boundaries["features"]
        if feature["properties"]["TYPE"] == "Ville liée"
        and names[feature["properties"]["CODEMAMROT"]] != feature["properties"]["NOM"]
    ]
    # The names are shown as code, so the apostrophes stay as in the data.
    texts = _code_texts(built_site, edition, "lessons/11-standards.html")
    assert mismatches, "no name differs between the two files"
    assert mismatches[0] in texts
