"""Tests of the quality checks and the service-level card, on real files."""

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from widgets.quality import (
    FREQUENCY_PERIODS,
    check_completeness,
    check_duplicates,
    check_freshness,
    check_types,
    quality_card,
    validate_schema,
    value_kind,
)
from widgets.quality_card import card_html, card_markdown

HOSTILE = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2025-01-15", "fresh"),
        ("2025-01-31", "fresh"),
        ("2025-02-10", "due"),
        ("2025-03-15", "overdue"),
    ],
)
def test_freshness_monthly(today, status):
    assert check_freshness("2024-12-31", "monthly", today).status == status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2022-10-24T11:30", "fresh"),
        ("2022-10-24T12:00", "due"),
        ("2022-10-24T13:00", "overdue"),
    ],
)
def test_freshness_hourly(today, status):
    assert check_freshness("2022-10-24T10:45", "hourly", today).status == status


def test_freshness_boundary_is_fresh():
    period = FREQUENCY_PERIODS["weekly"]
    last = datetime(2025, 3, 1, 8, 0)
    assert check_freshness(last, "weekly", last + period).status == "fresh"


def test_freshness_next_due():
    result = check_freshness(date(2025, 1, 1), "annual", date(2025, 6, 1))
    assert result.next_due == datetime(2025, 1, 1) + FREQUENCY_PERIODS["annual"]


@pytest.mark.parametrize(
    ("last", "frequency"),
    [
        (None, "monthly"),
        ("2025-01-01", "irregular"),
        ("2025-01-01", "asNeeded"),
        ("2025-01-01", None),
        ("2025-01-01", "tous-les-jours"),
        ("2025-09-01", "monthly"),
    ],
)
def test_freshness_unknown(last, frequency):
    result = check_freshness(last, frequency, "2025-03-01")
    assert result.status == "unknown"
    assert result.level == "unknown"


def test_freshness_aware_and_naive_mix():
    today = datetime(2025, 1, 2, tzinfo=UTC)
    assert check_freshness("2025-01-01T12:00", "daily", today).status == "fresh"


def test_freshness_time_zones_converted():
    last = datetime(2025, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    today = datetime(2025, 1, 2, 4, 45, tzinfo=UTC)
    assert check_freshness(last, "hourly", today).status == "fresh"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_freshness_messages(language):
    for today in ("2025-01-15", "2025-02-10", "2025-03-15"):
        assert check_freshness("2024-12-31", "monthly", today).message(language)


def test_completeness_counts_blanks(piscines):
    table = check_completeness(piscines)
    row = table.set_index("column").loc["PROPRIETE"]
    blanks = int((piscines["PROPRIETE"].str.strip() == "").sum())
    assert blanks > 0
    assert row["missing"] == blanks
    assert row["filled"] + row["missing"] == len(piscines)


def test_completeness_nan_and_spaces():
    df = pd.DataFrame({"a": ["x", "  ", None, "y"]})
    assert check_completeness(df)["completeness"].iloc[0] == 0.5


def test_duplicates_piscines(piscines):
    report = check_duplicates(piscines, ["ID_UEV"])
    # The file contains one exact repeated row (the Jean-Drapeau complex).
    assert report.duplicate_rows == 1
    # 27 rows share ID_UEV 0, so at least 26 repeat an earlier value.
    assert report.key_duplicates["ID_UEV"] >= 26
    assert report.level == "problem"


def test_duplicates_example_positions(piscines):
    report = check_duplicates(piscines)
    position = report.examples[0]
    earlier = piscines.iloc[:position]
    assert (earlier == piscines.iloc[position]).all(axis=1).any()


def test_duplicates_skip_missing_keys():
    df = pd.DataFrame({"id": ["", "", "1"], "v": ["a", "b", "c"]})
    assert check_duplicates(df, ["id"]).key_duplicates["id"] == 0


def test_duplicates_unknown_key_skipped():
    df = pd.DataFrame({"id": ["1"]})
    assert check_duplicates(df, ["absent"]).key_duplicates == {}


def test_duplicates_velos_2019(registered_csv):
    df = registered_csv("velos-comptage-2019")
    assert check_duplicates(df).duplicate_rows > 0


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("12", "integer"),
        ("12.5", "decimal"),
        ("294151,2717", "decimal_comma"),
        ("2017-06-01", "date"),
        ("2022-10-24T10:45", "date"),
        ("31/12/2019 23:45", "date_dmy"),
        ("Oui", "boolean"),
        ("Permanent", "text"),
        (3.0, "integer"),
        (3.5, "decimal"),
    ],
)
def test_value_kind(value, kind):
    assert value_kind(value) == kind


def test_types_lost_separator(piscines):
    reports = {report.column: report for report in check_types(piscines)}
    assert not reports["POINT_Y"].consistent
    assert reports["POINT_Y"].lost_separator > 0
    assert reports["LAT"].consistent
    assert reports["LAT"].dominant == "decimal"


def test_types_mixed_dates(rues_pietonnes):
    reports = {report.column: report for report in check_types(rues_pietonnes)}
    mixed = reports["DATE_OUVERTURE"]
    assert not mixed.consistent
    assert set(mixed.kinds) == {"date", "text"}
    assert mixed.examples


def test_types_integers_among_decimals_consistent():
    df = pd.DataFrame({"v": ["1", "2.5", "3"]})
    report = check_types(df)[0]
    assert report.consistent
    assert report.dominant == "decimal"


def test_schema_inferred_valid(piscines):
    result = validate_schema(piscines)
    assert result.inferred
    assert result.valid


def test_schema_provided_type_errors(piscines):
    schema = {"fields": [{"name": name, "type": "string"} for name in piscines.columns]}
    schema["fields"][11] = {"name": "LAT", "type": "integer"}
    result = validate_schema(piscines, schema)
    assert not result.valid
    assert result.error_counts["type-error"] == len(piscines)


def test_schema_unique_constraint(piscines):
    fields = [{"name": name, "type": "string"} for name in piscines.columns]
    fields[0] = {"name": "ID_UEV", "type": "integer", "constraints": {"unique": True}}
    result = validate_schema(piscines, {"fields": fields})
    assert result.error_counts.get("unique-error", 0) >= 26


def test_schema_error_limit():
    df = pd.DataFrame({"n": ["x"] * 30})
    result = validate_schema(
        df, {"fields": [{"name": "n", "type": "integer"}]}, max_errors=10
    )
    assert result.truncated


def test_card_urgences_high(registered_csv):
    df = registered_csv("urgences-msss")
    card = quality_card(
        df,
        title="Urgences",
        frequency="hourly",
        last_modified="2022-10-24T10:45",
        today="2022-10-24T11:00",
        key_columns=["No_permis_installation"],
    )
    assert card.levels["freshness"] == "ok"
    assert card.service_level == "high"


def test_card_piscines_low(piscines):
    card = quality_card(piscines, title="Piscines", key_columns=["ID_UEV"])
    assert card.service_level == "low"
    assert card.levels["freshness"] == "unknown"


def test_card_without_validation(piscines):
    card = quality_card(piscines, validate=False)
    assert card.schema is None
    assert card.levels["schema"] == "unknown"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_card_html_escapes(language):
    df = pd.DataFrame({HOSTILE: ["1", "x"], "b": ["2", "2"]})
    page = card_html(quality_card(df, title=HOSTILE), language)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_card_html_languages(piscines):
    card = quality_card(piscines, title="Piscines", validate=False)
    assert "Note de qualité" in card_html(card, "fr")
    assert "quality score" in card_html(card, "en")


def test_card_markdown_table(piscines):
    text = card_markdown(
        quality_card(piscines, title="Piscines|x", validate=False), "en"
    )
    assert "| Status | Check | Result |" in text
    assert "Piscines\\|x" in text


def test_card_markdown_escapes_cells():
    df = pd.DataFrame({"a|b": ["1", "x"]})
    text = card_markdown(quality_card(df, validate=False), "fr")
    assert "`a|b`" in text
