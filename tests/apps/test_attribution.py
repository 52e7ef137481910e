"""Tests of the credit lines built from registry entries and pasted addresses."""

import html

import pytest

from widgets.attribution import (
    CreditSource,
    credit_line,
    credit_lines,
    escape_markdown,
    find_datasets_by_url,
    normalise_url,
    sources_from_url,
)
from widgets.licences import find_licence
from widgets.registry import get_dataset, list_datasets

HOSTILE_TITLE = '<script>alert("x")</script> *gras* [lien](javascript:alert(1)) & co'


@pytest.mark.parametrize("language", ["fr", "en"])
def test_credit_line_names_everything(language):
    dataset = get_dataset("repertoire-municipalites")
    line = credit_line(dataset, language=language)
    assert dataset.title(language) in line
    assert dataset.publisher in line
    assert find_licence(dataset.licence_id).short in line
    assert dataset.portal_url in line
    assert find_licence(dataset.licence_id).url(language) in line


def test_credit_line_modified_french():
    line = credit_line(get_dataset("piscines-montreal"), language="fr", modified=True)
    assert line.startswith("Modifié à partir de « ")


def test_credit_line_modified_english():
    line = credit_line(get_dataset("piscines-montreal"), language="en", modified=True)
    assert line.startswith('Modified from "')


def test_credit_line_unmodified_has_no_prefix():
    line = credit_line(get_dataset("piscines-montreal"), language="fr")
    assert "Modifié" not in line


CATALOGUED = [
    dataset for dataset in list_datasets() if find_licence(dataset.licence_id)
]


@pytest.mark.parametrize("dataset", CATALOGUED, ids=lambda dataset: dataset.id)
def test_every_entry_says_licence_unverified(dataset):
    assert "non vérifiée" in credit_line(dataset, language="fr")
    assert "not verified" in credit_line(dataset, language="en")


def test_secondary_evidence_named():
    line = credit_line(get_dataset("urgences-msss"), language="en")
    assert "secondary sources" in line


def test_verified_evidence_has_no_note():
    source = CreditSource(
        "Titre", "Title", "Éditeur", "cc-by", "https://example.org/d", "dataset"
    )
    assert "verified" not in credit_line(source, language="en")


def test_unknown_licence_credit_warns():
    source = CreditSource(
        "Titre", "Title", "Éditeur", "", "https://example.org/d", "publisher"
    )
    line = credit_line(source, language="fr")
    assert "licence inconnue" in line
    assert "vérifiez-la" in line


def test_licence_outside_catalogue_named():
    dataset = get_dataset("schema-metadonnees-donnees-quebec")
    line = credit_line(dataset, language="en")
    assert dataset.licence_id in line
    assert "not an open-data licence" in line


def test_html_escapes_metadata():
    source = CreditSource(
        HOSTILE_TITLE,
        HOSTILE_TITLE,
        "<b>Éditeur</b>",
        "cc-by",
        "https://example.org/d",
        "dataset",
    )
    line = credit_line(source, language="en", fmt="html")
    assert "<script>" not in line
    assert html.escape("<script>") in line
    assert "<b>Éditeur" not in line


def test_html_skips_javascript_link():
    source = CreditSource("T", "T", "P", "cc-by", "javascript:alert(1)", "dataset")
    line = credit_line(source, language="en", fmt="html")
    assert 'href="javascript' not in line


def test_markdown_escapes_metadata():
    source = CreditSource(
        HOSTILE_TITLE, HOSTILE_TITLE, "P", "cc-by", "https://example.org/d", "dataset"
    )
    line = credit_line(source, language="en", fmt="markdown")
    assert "<script>" not in line
    assert "\\[lien\\]" in line
    assert "\\*gras\\*" in line


def test_markdown_links_portal_page():
    dataset = get_dataset("quartiers-quebec")
    line = credit_line(dataset, language="fr", fmt="markdown")
    assert f"(<{dataset.portal_url}>)" in line


def test_escape_markdown_round_trip_characters():
    assert escape_markdown("a_b") == "a\\_b"


def test_credit_lines_several_datasets():
    datasets = [get_dataset("piscines-montreal"), get_dataset("urgences-msss")]
    text = credit_lines(datasets, language="fr")
    lines = text.splitlines()
    assert lines[0] == "Sources :"
    assert len(lines) == 1 + len(datasets)


def test_credit_lines_html_list():
    datasets = [get_dataset("piscines-montreal"), get_dataset("urgences-msss")]
    block = credit_lines(datasets, language="en", fmt="html")
    assert block.count("<li>") == len(datasets)


def test_credit_lines_deduplicates():
    dataset = get_dataset("piscines-montreal")
    assert credit_lines([dataset, dataset], language="en") == credit_line(
        dataset, language="en"
    )


def test_credit_lines_empty():
    assert credit_lines([], language="fr") == ""


def test_unknown_format_rejected():
    with pytest.raises(ValueError, match="Unknown credit format"):
        credit_line(get_dataset("piscines-montreal"), fmt="pdf")


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.donneesquebec.ca/recherche/dataset/5b1ae6f2-6719-46df-bd2f-e57a7034c917",
        "http://donneesquebec.ca/recherche/dataset/5b1ae6f2-6719-46df-bd2f-e57a7034c917/",
        "www.donneesquebec.ca/recherche/dataset/5b1ae6f2-6719-46df-bd2f-e57a7034c917?x=1#y",
    ],
)
def test_url_variants_match_registry(variant):
    assert [dataset.id for dataset in find_datasets_by_url(variant)] == [
        "quartiers-quebec"
    ]


def test_shared_portal_page_gives_all_files():
    expected = {
        dataset.id
        for dataset in list_datasets()
        if normalise_url(dataset.portal_url)
        == normalise_url("https://donnees.montreal.ca/dataset/velos-comptage")
    }
    found = {
        source.title_en
        for source in sources_from_url(
            "https://donnees.montreal.ca/dataset/velos-comptage"
        )
    }
    assert len(found) == len(expected)


def test_unregistered_url_unknown_licence():
    sources = sources_from_url(
        "https://www.donneesquebec.ca/recherche/dataset/arbres-de-laval"
    )
    assert sources[0].licence_id == ""
    assert sources[0].title_fr == "arbres-de-laval"


def test_invalid_url_rejected():
    with pytest.raises(ValueError, match="Not a web address"):
        sources_from_url("ftp://exemple")
