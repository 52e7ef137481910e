"""Tests of the licence catalogue and the compatibility rules."""

import pytest

from widgets.licences import (
    _licence_from_entry,
    check_compatibility,
    compatibility_matrix,
    find_licence,
    is_open,
    list_licences,
    normalise_key,
    target_licences,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cc-by", "cc-by"),
        ("Attribution (CC-BY 4.0)", "cc-by"),
        ("CC-BY-4.0", "cc-by"),
        ("https://www.donneesquebec.ca/licence/#cc-by", "cc-by"),
        ("http://creativecommons.org/licenses/by/4.0", "cc-by"),
        ("cc-by-sa", "cc-by-sa"),
        ("CC-BY-NC-4.0", "cc-by-nc"),
        ("OGL-Canada-2.0", "OGL-Canada-2.0"),
        ("ODbL", "odbl-1.0"),
        ("CC0", "cc0"),
        ("Licence Ouverte 2.0", "etalab-2.0"),
    ],
)
def test_find_licence_spellings(value, expected):
    assert find_licence(value).id == expected


@pytest.mark.parametrize(
    "value", [None, "", "   ", "AGPL-3.0", "cmm", "tous droits réservés"]
)
def test_unknown_licence_not_open(value):
    assert find_licence(value) is None
    assert not is_open(value)


def test_non_commercial_never_open():
    non_commercial = [licence for licence in list_licences() if licence.non_commercial]
    assert non_commercial
    for licence in non_commercial:
        assert not licence.open, licence.id


def test_restricted_terms_not_open():
    licence = find_licence("reproduction autorisée sauf à des fins commerciales")
    assert licence.kind == "restricted"
    assert not licence.open


def test_catalogue_texts_bilingual():
    for licence in list_licences():
        assert licence.allows("fr") and licence.allows("en"), licence.id
        assert licence.requires("fr") and licence.requires("en"), licence.id
        assert len(licence.allows("fr")) == len(licence.allows("en")), licence.id
        assert len(licence.requires("fr")) == len(licence.requires("en")), licence.id


def test_normalise_key_ignores_punctuation():
    assert normalise_key("CC-BY 4.0") == normalise_key("cc_by_4_0")


@pytest.mark.parametrize(
    ("source", "target", "verdict"),
    [
        ("cc-by", "cc-by-sa", "yes"),
        ("cc-by", "cc-by", "yes"),
        ("cc-by", "odbl-1.0", "yes"),
        ("cc-by", "cc0", "no"),
        ("odbl-1.0", "cc-by", "no"),
        ("odbl-1.0", "odbl-1.0", "yes"),
        ("cc-by-sa", "cc-by", "no"),
        ("cc-by-sa", "cc-by-sa", "yes"),
        ("cc-by-nc", "cc-by", "no"),
        ("cc-by-nc", "cc-by-sa", "no"),
        ("cc-by-nc", "cc-by-nc", "yes"),
        ("cc-by-nc-sa", "cc-by-nc", "no"),
        ("cc0", "cc-by", "yes"),
        ("cc0", "cc0", "yes"),
        ("etalab-2.0", "cc-by", "yes"),
        ("OGL-Canada-2.0", "cc-by-sa", "yes"),
        ("qc-reproduction-non-commerciale", "cc-by-nc", "no"),
        (None, "cc-by", "unknown"),
        ("licence-maison", "cc-by", "unknown"),
        ("cc-by", "licence-maison", "unknown"),
        ("cc-by", "OGL-Canada-2.0", "unknown"),
    ],
)
def test_compatibility_cases(source, target, verdict):
    assert check_compatibility(source, target).verdict == verdict


def test_compatibility_non_commercial_result_not_open():
    result = check_compatibility("cc-by-nc", "cc-by-nc")
    assert result.compatible
    assert not result.result_open


def test_compatibility_open_result_open():
    assert check_compatibility("cc-by", "cc-by-sa").result_open


def test_compatibility_unknown_not_compatible():
    result = check_compatibility("", "cc-by")
    assert not result.compatible
    assert "publisher" in result.reason("en")
    assert "éditeur" in result.reason("fr")


def test_matrix_never_opens_non_commercial():
    for (source, _target), result in compatibility_matrix().items():
        if find_licence(source).non_commercial:
            assert not result.result_open, (source, _target)


def test_matrix_share_alike_targets_only():
    for (source, target), result in compatibility_matrix().items():
        licence = find_licence(source)
        if licence.share_alike and result.compatible:
            assert target in licence.share_alike_targets, (source, target)


def test_matrix_covers_every_pair():
    matrix = compatibility_matrix()
    assert len(matrix) == len(list_licences()) * len(target_licences())


def test_yes_verdict_has_conditions_both_languages():
    result = check_compatibility("cc-by", "cc-by-sa")
    assert result.conditions("fr")
    assert len(result.conditions("fr")) == len(result.conditions("en"))


def test_entry_open_and_non_commercial_rejected():
    entry = {
        "id": "bad",
        "short": "Bad",
        "title_fr": "Mauvaise",
        "title_en": "Bad",
        "url_fr": "",
        "url_en": "",
        "kind": "non-commercial",
        "open": True,
        "attribution": True,
        "share_alike": False,
        "non_commercial": True,
        "target": False,
        "allows_fr": [],
        "allows_en": [],
        "requires_fr": [],
        "requires_en": [],
    }
    with pytest.raises(ValueError, match="never open"):
        _licence_from_entry(entry)


def test_entry_unknown_field_rejected():
    with pytest.raises(ValueError, match="Invalid licence entry"):
        _licence_from_entry({"id": "x", "colour": "blue"})
