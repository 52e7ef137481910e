"""The reader on small handcrafted files, one per quirk of real open data.

The files are in tests/data/quirks/; make_quirks.py beside them shows their
exact bytes.
"""

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from widgets.datastore_response import read_datastore_response
from widgets.detect import load_source
from widgets.errors import ReadError
from widgets.reader import ReadReport, ReadResult, read_csv, read_geojson

QUIRKS = Path(__file__).parent / "data" / "quirks"


def quirk(name: str) -> Path:
    return QUIRKS / name


def read(name: str, **options) -> ReadResult:
    return read_csv(quirk(name), language="en", **options)


def integers(values: list) -> pd.Series:
    return pd.Series(values, dtype="Int64")


def timestamps(values: list) -> list:
    return [pd.Timestamp(value) if value is not None else pd.NaT for value in values]


# Encodings.


def test_bom_utf8_not_in_first_name():
    df, report = read("bom_utf8.csv")
    assert list(df.columns) == ["nom", "population"]
    assert report.encoding == "utf-8-sig"
    assert "bom" in report.codes


def test_bom_utf8_values():
    df, _ = read("bom_utf8.csv")
    assert df["population"].tolist() == [370, 4012]


def test_bom_kept_out_when_encoding_given_as_utf8():
    df, report = read("bom_utf8.csv", encoding="utf-8")
    assert df.columns[0] == "nom"
    assert report.encoding == "utf-8-sig"


def test_cp1252_detected():
    df, report = read("cp1252.csv")
    assert report.encoding == "cp1252"
    assert list(df.columns) == ["région", "population"]
    assert df["région"].tolist() == ["Montérégie", "L’Assomption"]


def test_cp1252_reported_as_warning():
    _, report = read("cp1252.csv")
    assert [note.code for note in report.warnings] == ["encoding"]


def test_latin1_when_cp1252_cannot_decode():
    df, report = read("latin1_fallback.csv")
    assert report.encoding == "iso8859-1"
    assert df["nom"].tolist() == ["A\x81B"]


def test_utf16_with_bom():
    df, report = read("utf16.csv")
    assert report.encoding == "utf-16"
    assert df["nom"].tolist() == ["École"]
    assert df["valeur"].tolist() == [1]


def test_double_encoding_reported():
    df, report = read("double_encoded.csv")
    assert df["ville"].tolist() == ["MontrÃ©al"]
    assert "double_encoding" in report.codes


def test_given_encoding_that_fails():
    with pytest.raises(ReadError, match="not valid utf-8.*cp1252"):
        read("cp1252.csv", encoding="utf-8")


def test_unknown_encoding():
    with pytest.raises(ReadError, match="Unknown encoding: 'klingon'"):
        read("cp1252.csv", encoding="klingon")


def test_utf8_read_as_cp1252_warned():
    _, report = read("dates_french.csv", encoding="cp1252")
    assert "encoding_mismatch" in report.codes


# Delimiters and numbers.


def test_semicolon_with_decimal_comma():
    df, report = read("semicolon_decimal_comma.csv")
    assert report.delimiter == ";"
    assert df["température"].tolist() == [-3.5, 0.25]
    assert df["précipitations"].tolist() == [12.0, 0.0]
    assert df["précipitations"].dtype == np.float64


def test_decimal_comma_noted_per_column():
    _, report = read("semicolon_decimal_comma.csv")
    noted = [note.column for note in report.notes if note.code == "decimal_comma"]
    assert noted == ["température", "précipitations"]


def test_tab_delimiter():
    df, report = read("tab.tsv")
    assert report.delimiter == "\t"
    assert df["valeur"].tolist() == [1, 2]


def test_pipe_delimiter():
    df, report = read("pipe.csv")
    assert report.delimiter == "|"
    assert df["valeur"].tolist() == [1.5, 2.0]


def test_given_delimiter_wins():
    df, report = read("tab.tsv", delimiter=";")
    assert report.delimiter == ";"
    assert list(df.columns) == ["nom\tvaleur"]


def test_thousands_separators():
    df, _ = read("thousands.csv")
    assert df["population"].tolist() == [1234, 12345, 1234567]
    assert df["population"].dtype == "Int64"
    assert df["budget"].tolist() == [1234.5, 12345.0, 7.25]


def test_thousands_separators_named_in_report():
    _, report = read("thousands.csv")
    note = report.notes_for("population")[0]
    assert note.code == "thousands_separator"
    assert "space, no-break space, narrow no-break space" in note.en


def test_english_thousands_commas():
    df, report = read("english_numbers.csv")
    assert df["montant"].tolist() == [1234.5, 12.25]
    assert "thousands_separator" in report.codes


def test_long_integers_kept_as_text():
    df, report = read("long_integers.csv")
    assert df["numero"].tolist() == ["1234567890123456789012", "42"]
    assert report.column_types["numero"] == "identifier"


# Dates.


def test_french_month_names():
    df, _ = read("dates_french.csv")
    expected = timestamps(["2022-10-24", "2024-01-01", "2024-06-24", "2023-02-03"])
    assert df["date"].tolist() == expected
    assert df["date"].dtype == "datetime64[us]"


def test_day_first_with_optional_time():
    df, _ = read("dates_day_first.csv")
    expected = timestamps(["2019-12-31 23:45", "2019-01-01 00:00", "2019-06-15 08:00"])
    assert df["Date"].tolist() == expected


def test_ambiguous_dates_read_day_first():
    df, report = read("dates_ambiguous.csv")
    assert df["date"].tolist() == timestamps(["2020-02-01", "2020-04-03"])
    assert "day/month order" in report.notes_for("date")[0].en


def test_month_first_when_second_above_12():
    df, report = read("dates_month_first.csv")
    assert df["date"].tolist() == timestamps(["2019-12-31", "2020-01-15"])
    assert "US style" in report.notes_for("date")[0].en


def test_iso_dates_with_and_without_time():
    df, _ = read("dates_iso.csv")
    assert df["jour"].tolist() == timestamps(["2022-10-24", "2023-01-05"])
    assert df["mise_a_jour"].tolist() == timestamps(
        ["2022-10-24 10:45", "2023-01-05 08:00"]
    )


def test_time_zones_converted_to_utc():
    df, report = read("dates_time_zone.csv")
    expected = [
        pd.Timestamp("2022-10-24 14:45", tz="UTC"),
        pd.Timestamp("2022-10-24 16:00", tz="UTC"),
    ]
    assert df["instant"].tolist() == expected
    assert "time_zone" in report.codes


def test_impossible_date_left_missing():
    df, report = read("dates_invalid.csv")
    assert df["date"].isna().tolist() == [True, False]
    assert df["date"].iloc[1] == pd.Timestamp("2020-03-01")
    assert "invalid_dates" in report.codes


def test_partly_dates_stay_text():
    df, report = read("mostly_dates.csv")
    assert df["ouverture"].tolist() == ["2017-06-01", "Permanent", "2017-07-15"]
    assert "mostly_dates" in report.codes


def test_date_columns_forces_dates():
    df, report = read("mostly_dates.csv", date_columns=["ouverture"])
    assert df["ouverture"].tolist() == timestamps(["2017-06-01", None, "2017-07-15"])
    assert "not_dates" in report.codes


def test_date_columns_without_any_date():
    df, report = read("mostly_dates.csv", date_columns=["projet"])
    assert df["projet"].tolist() == ["A", "B", "C"]
    assert "not_dates" in report.codes


# Missing values and identifiers.


def test_markers_missing_in_numeric_column():
    df, _ = read("missing_markers.csv")
    expected = integers([100, None, None, None, None, 250])
    pd.testing.assert_series_equal(df["population"], expected, check_names=False)


def test_x_f_dash_missing_in_decimal_column():
    df, _ = read("missing_markers.csv")
    assert df["taux"].isna().tolist() == [False, True, False, True, False, True]
    assert df["taux"].dropna().tolist() == [1.5, 2.0, 3.5]


def test_sex_column_f_stays_text():
    df, report = read("missing_markers.csv")
    assert df["sexe"].tolist() == ["F", "M", "F", "M", "F", "M"]
    assert report.column_types["sexe"] == "text"


def test_dash_and_x_stay_in_text_column():
    df, _ = read("missing_markers.csv")
    assert df["remarque"].isna().tolist() == [False, False, False, True, False, False]
    assert df["remarque"].dropna().tolist() == ["-", "voir note", "-", "x", "ras"]


def test_universal_markers_missing_in_text_column():
    df, _ = read("missing_markers.csv")
    assert df["note"].isna().tolist() == [True, False, True, True, True, True]


def test_markers_counted_in_report():
    _, report = read("missing_markers.csv")
    note = report.notes_for("population")[0]
    assert note.code == "missing_markers"
    assert note.en.startswith("Column 'population': 4 value(s) read as missing")


def test_mostly_numbers_stays_text():
    df, report = read("mostly_numbers.csv")
    assert df["valeur"].tolist() == ["1", "2", "3", "4", "cinq"]
    assert "'cinq'" in report.notes_for("valeur")[0].en


def test_leading_zeros_kept():
    df, report = read("leading_zeros.csv")
    assert df["code_municipal"].tolist() == ["07025", "46005", "00123"]
    assert report.column_types["code_municipal"] == "identifier"


def test_postal_codes_stay_text():
    df, _ = read("leading_zeros.csv")
    assert df["code_postal"].tolist() == ["J0E 1B0", "H2X1Y4", "G0Y 1A"]


def test_id_columns_keep_numbers_as_text():
    df, report = read("leading_zeros.csv", id_columns=["population"])
    assert df["population"].tolist() == ["370", "4012", "55"]
    assert report.column_types["population"] == "identifier"


def test_id_columns_unknown_name():
    with pytest.raises(ReadError, match=r"\['populatoin'\].*population"):
        read("leading_zeros.csv", id_columns=["populatoin"])


def test_id_columns_as_single_string():
    df, _ = read("leading_zeros.csv", id_columns="population")
    assert df["population"].tolist() == ["370", "4012", "55"]


# Header and rows.


def test_header_names_stripped():
    df, report = read("header_spaces.csv")
    assert list(df.columns) == ["Nom_etablissement", "Nom_installation", "Nombre"]
    assert "header_whitespace" in report.codes


def test_original_names_kept_in_report():
    _, report = read("header_spaces.csv")
    assert [column.original_name for column in report.columns] == [
        "Nom_etablissement ",
        " Nom_installation ",
        " Nombre",
    ]


def test_trailing_empty_columns_dropped():
    df, report = read("trailing_delimiters.csv")
    assert list(df.columns) == ["a", "b"]
    assert df["b"].tolist() == [2, 4]
    assert "trailing_columns" in report.codes


def test_duplicate_and_blank_headers():
    df, report = read("duplicate_headers.csv")
    assert list(df.columns) == ["nom", "valeur", "valeur_2", "colonne_4", "nom_2"]
    assert df.iloc[0].tolist() == ["A", 1, 2, 3, "B"]
    assert "duplicate_headers" in report.codes
    assert "blank_headers" in report.codes


def test_short_rows_padded():
    df, report = read("ragged_short.csv")
    pd.testing.assert_series_equal(df["B"], integers([2, 5, None]), check_names=False)
    pd.testing.assert_series_equal(
        df["C"], integers([3, None, None]), check_names=False
    )
    assert "ragged_rows" in report.codes


def test_short_rows_listed_by_index():
    _, report = read("ragged_short.csv")
    note = next(note for note in report.notes if note.code == "ragged_rows")
    assert "(index 1, 2)" in note.en


def test_long_rows_kept():
    df, report = read("ragged_long.csv")
    assert len(df) == 3
    assert list(df.columns) == ["a", "b", "colonne_3"]
    pd.testing.assert_series_equal(
        df["colonne_3"], integers([None, 5, None]), check_names=False
    )
    assert "extra_fields" in report.codes


def test_empty_rows_removed():
    df, report = read("empty_rows.csv")
    assert df["a"].tolist() == [1, 3]
    assert "empty_rows" in report.codes


def test_single_column_file():
    df, report = read("single_column.csv")
    assert df["nom"].tolist() == ["A", "B"]
    assert report.n_columns == 1


# Sources other than a path.


def test_bytes_source():
    df, report = read_csv(quirk("cp1252.csv").read_bytes())
    assert df["population"].tolist() == [1421000, 90000]
    assert report.source == "<bytes>"


def test_binary_file_object_source():
    with quirk("tab.tsv").open("rb") as handle:
        df, _ = read_csv(handle)
    assert df["valeur"].tolist() == [1, 2]


def test_text_file_object_rejected():
    with (
        quirk("tab.tsv").open(encoding="utf-8") as handle,
        pytest.raises(ReadError, match="open\\(path, 'rb'\\)"),
    ):
        read_csv(handle, language="en")


def test_missing_path():
    with pytest.raises(
        ReadError, match="File not found: .*absent.csv'. Check the path."
    ):
        read("absent.csv")


def test_csv_text_given_as_path():
    with pytest.raises(ReadError, match=r"pass bytes: text.encode\(\)"):
        read_csv("a,b\n1,2\n", language="en")


# Files that are not tables.


@pytest.mark.parametrize("name", ["empty.csv", "blank.csv"])
def test_empty_file(name):
    with pytest.raises(ReadError, match=f"{name}' is empty.*download it again"):
        read(name)


def test_zip_file():
    with pytest.raises(ReadError, match="binary file \\(ZIP\\).*Excel workbook"):
        read("zip_as_csv.csv")


def test_nul_bytes():
    with pytest.raises(ReadError, match="contains NUL bytes.*ZIP archive or an Excel"):
        read("nul_bytes.csv")


def test_html_page():
    with pytest.raises(ReadError, match="is an HTML or XML page, not a CSV table"):
        read("html_page.csv")


def test_json_given_to_read_csv():
    with pytest.raises(ReadError, match="is a JSON document.*read_geojson"):
        read("points_crs84.geojson")


def test_truncated_quoted_field():
    with pytest.raises(ReadError, match="truncated.csv' ends inside a quoted field"):
        read("truncated.csv")


def test_error_in_french():
    with pytest.raises(ReadError, match="est vide"):
        read_csv(quirk("empty.csv"), language="fr")


def test_error_keeps_both_languages():
    with pytest.raises(ReadError) as caught:
        read_csv(quirk("empty.csv"), language="fr")
    assert "is empty" in caught.value.message_en


# Report rendering.


def test_report_text_in_both_languages():
    _, report = read("semicolon_decimal_comma.csv")
    assert "virgule décimale convertie" in report.to_text("fr")
    assert "decimal comma converted" in report.to_text("en")


def test_report_markdown_table():
    _, report = read("semicolon_decimal_comma.csv")
    markdown = report.to_markdown("en")
    assert "| Column | Type | Missing |" in markdown
    assert "| température | decimal number | 0 |" in markdown


def test_report_repr_follows_read_language():
    _, report = read_csv(quirk("tab.tsv"), language="en")
    assert "Findings and changes" in report._repr_markdown_()
    assert str(report) == report.to_text("en")


def test_report_french_counts():
    _, report = read("thousands.csv")
    assert "3 lignes × 3 colonnes" in report.to_text("fr")


def test_report_fields():
    _, report = read("cp1252.csv")
    assert isinstance(report, ReadReport)
    assert (report.n_rows, report.n_columns) == (2, 2)
    assert report.column_types == {"région": "text", "population": "integer"}


def test_notes_merged_across_columns():
    data = b"a,b,c\n,,1\n,,2\n"
    _, report = read_csv(data, language="en")
    merged = [note for note in report.notes if note.code == "empty_column"]
    assert len(merged) == 1
    assert merged[0].columns == ("a", "b")


# GeoJSON.


def test_geojson_points_with_crs84():
    df, report = read_geojson(quirk("points_crs84.geojson"))
    assert df["longitude"].tolist() == [-73.5, -71.2]
    assert df["latitude"].tolist() == [45.5, 46.8]
    assert df["geometry_type"].tolist() == ["Point", "Point"]
    assert report.format == "GeoJSON"


def test_geojson_properties_typed():
    df, _ = read_geojson(quirk("points_crs84.geojson"))
    pd.testing.assert_series_equal(df["nombre"], integers([1, None]), check_names=False)
    assert df["ouverture"].tolist() == timestamps(["2017-06-01", "2018-05-20"])


def test_geojson_geometry_kept():
    df, _ = read_geojson(quirk("points_crs84.geojson"))
    assert df["geometry"].iloc[0] == {"type": "Point", "coordinates": [-73.5, 45.5]}


def test_geojson_declared_crs_reported():
    _, report = read_geojson(quirk("points_crs84.geojson"))
    note = next(note for note in report.notes if note.code == "crs")
    assert "urn:ogc:def:crs:OGC:1.3:CRS84" in note.en


def test_geojson_mixed_geometry():
    df, report = read_geojson(quirk("mixed_geometry.geojson"))
    assert df["geometry_type"].isna().tolist() == [False, False, True]
    assert df["geometry_type"].dropna().tolist() == ["Polygon", "MultiPolygon"]
    assert "longitude" not in df.columns
    assert "mixed_geometry" in report.codes
    assert "null_geometry" in report.codes


def test_geojson_implied_wgs84():
    _, report = read_geojson(quirk("mixed_geometry.geojson"))
    note = next(note for note in report.notes if note.code == "crs")
    assert "WGS84 longitude and latitude" in note.en


def test_geojson_projected_crs_converted():
    df, _ = read_geojson(quirk("projected_mtm8.geojson"))
    # Centre sportif St-Charles: the publisher gives LONG -73.563099, LAT 45.479802.
    assert df["longitude"].iloc[0] == pytest.approx(-73.563099, abs=1e-4)
    assert df["latitude"].iloc[0] == pytest.approx(45.479802, abs=1e-4)


def test_geojson_undeclared_projection_warned():
    _, report = read_geojson(quirk("projected_no_crs.geojson"))
    assert "projected_coordinates" in report.codes


def test_geojson_layer_name_reported():
    _, report = read_geojson(quirk("mixed_geometry.geojson"))
    assert "layer_name" in report.codes


def test_geojson_not_feature_collection():
    with pytest.raises(ReadError, match="'Topology'"):
        read_geojson(quirk("not_feature_collection.geojson"))


def test_geojson_truncated():
    with pytest.raises(ReadError, match="(tronqué|truncated)"):
        read_geojson(quirk("truncated.geojson"))


def test_geojson_property_named_geometry():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"geometry": "ligne"},
                "geometry": {"type": "Point", "coordinates": [-73.5, 45.5]},
            }
        ],
    }
    df, report = read_geojson(io.BytesIO(json.dumps(document).encode()))
    assert df["geometry"].tolist() == ["ligne"]
    assert df["geometry_geojson"].iloc[0]["type"] == "Point"
    assert "name_clash" in report.codes


# CKAN datastore_search responses.


def test_datastore_types_from_fields():
    df, _ = read_datastore_response(load_source(quirk("datastore_response.json"), None))
    assert df["_id"].dtype == "Int64"
    assert df["mcode"].tolist() == ["07025", "46005"]
    assert df["msuperf"].tolist() == [26.97, 3.5]
    assert df["mdatcons"].iloc[0] == pd.Timestamp("1929-06-25")
    assert df["mdatcons"].isna().tolist() == [False, True]


def test_datastore_whole_numeric_as_int64():
    df, _ = read_datastore_response(load_source(quirk("datastore_response.json"), None))
    pd.testing.assert_series_equal(
        df["mpopul"], integers([370, None]), check_names=False
    )


def test_datastore_empty_strings_missing():
    df, report = read_datastore_response(
        load_source(quirk("datastore_response.json"), None)
    )
    assert df["note"].isna().tolist() == [True, False]
    assert "empty_strings" in report.codes


def test_datastore_paged_response_reported():
    _, report = read_datastore_response(
        load_source(quirk("datastore_response.json"), None)
    )
    assert "paged_response" in report.codes


def test_datastore_failure():
    with pytest.raises(ReadError, match="Not Found Error"):
        read_datastore_response(load_source(quirk("datastore_failure.json"), None))


def test_delimiter_of_several_characters():
    with pytest.raises(ReadError, match="Invalid delimiter: ';;'"):
        read("tab.tsv", delimiter=";;")


def test_header_starting_with_bracket():
    df, _ = read_csv(b"[ID],nom\n1,A\n", language="en")
    assert list(df.columns) == ["[ID]", "nom"]


def test_header_wider_than_ragged_rows():
    df, report = read_csv(b"a;b;c;d\n1;2\n3\n", language="en")
    assert list(df.columns) == ["a", "b", "c", "d"]
    assert df["b"].isna().tolist() == [False, True]
    assert "ragged_rows" in report.codes


def test_report_repr_is_short():
    _, report = read("tab.tsv")
    assert (
        repr(report)
        == f"<ReadReport {quirk('tab.tsv')} (CSV): 2 rows × 2 columns, 1 notes>"
    )


def test_fixed_width_dates_day_first():
    df, _ = read_csv(b"date,n\n31/12/2019 23:45,1\n01/02/2019 00:15,2\n", language="en")
    assert df["date"].tolist() == timestamps(["2019-12-31 23:45", "2019-02-01 00:15"])


def test_fixed_width_dates_month_first():
    df, _ = read_csv(b"date,n\n12/31/2019,1\n02/01/2019,2\n", language="en")
    assert df["date"].tolist() == timestamps(["2019-12-31", "2019-02-01"])


def test_fixed_width_impossible_date():
    df, report = read_csv(b"date,n\n30/02/2019,1\n01/02/2019,2\n", language="en")
    assert df["date"].isna().tolist() == [True, False]
    assert "invalid_dates" in report.codes


def test_excel_separator_line():
    df, report = read("excel_separator_line.csv")
    assert list(df.columns) == ["nom", "valeur"]
    assert df["valeur"].tolist() == [1.5]
    assert report.delimiter == ";"
    assert "separator_line" in report.codes


def test_old_mac_line_endings():
    df, report = read("mac_line_endings.csv")
    assert df["région"].tolist() == ["Montérégie", "Estrie"]
    assert df["n"].tolist() == [1, 2]
    assert "line_endings" in report.codes


def test_geojson_bad_point_coordinates():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": "abc"},
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [None, 2]},
            },
        ],
    }
    df, _ = read_geojson(json.dumps(document).encode())
    assert df["longitude"].isna().tolist() == [True, True]
    assert df["latitude"].isna().tolist() == [True, True]


def test_geojson_nested_and_mixed_properties():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"liste": [1, 2], "n": 1},
                "geometry": None,
            },
            {
                "type": "Feature",
                "properties": {"liste": [3], "n": "deux"},
                "geometry": None,
            },
        ],
    }
    df, report = read_geojson(json.dumps(document).encode())
    assert df["liste"].tolist() == [[1, 2], [3]]
    assert df["n"].tolist() == [1, "deux"]
    assert [note.code for note in report.notes[:2]] == ["nested_values", "mixed_types"]
