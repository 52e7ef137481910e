"""Write the small files, one per quirk, that tests/test_reader_quirks.py reads.

The files are committed; this script documents their exact bytes (encodings,
byte order marks, no-break spaces) and writes them again:

    python tests/data/quirks/make_quirks.py
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

HERE = Path(__file__).parent
NBSP = "\u00a0"
NNBSP = "\u202f"


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def geojson(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def point(properties: dict, x: float, y: float) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }


def square(size: float) -> list:
    return [[[0, 0], [size, 0], [size, size], [0, size], [0, 0]]]


FILES: dict[str, bytes] = {
    # Encodings.
    "bom_utf8.csv": codecs.BOM_UTF8
    + utf8("nom,population\r\nAbercorn,370\r\nSutton,4012\r\n"),
    "cp1252.csv": (
        "région;population\r\nMontérégie;1 421 000\r\nL’Assomption;90 000\r\n".encode(
            "cp1252"
        )
    ),
    "latin1_fallback.csv": b"nom,code\nA\x81B,1\n",
    "utf16.csv": codecs.BOM_UTF16_LE + "nom,valeur\r\nÉcole,1\r\n".encode("utf-16-le"),
    "double_encoded.csv": utf8("ville,n\nMontrÃ©al,1\n"),
    # Delimiters and number formats.
    "semicolon_decimal_comma.csv": utf8(
        "station;température;précipitations\nA;-3,5;12,0\nB;0,25;0\n"
    ),
    "tab.tsv": utf8("nom\tvaleur\nA\t1\nB\t2\n"),
    "pipe.csv": utf8("nom|valeur\nA|1,5\nB|2\n"),
    "thousands.csv": utf8(
        "region,population,budget\n"
        'A,1 234,"1 234,50"\n'
        f'B,12{NBSP}345,"12{NBSP}345,00"\n'
        f'C,1{NNBSP}234{NNBSP}567,"7,25"\n'
    ),
    "english_numbers.csv": utf8('item,montant\nA,"1,234.5"\nB,12.25\n'),
    "long_integers.csv": utf8("numero,n\n1234567890123456789012,1\n42,2\n"),
    # Dates.
    "dates_french.csv": utf8(
        "événement;date\n"
        "Élection;24 octobre 2022\n"
        "Nouvel An;1er janvier 2024\n"
        "Fête;lundi 24 juin 2024\n"
        "Abrégé;3 févr. 2023\n"
    ),
    "dates_day_first.csv": utf8(
        "Date,compte\n31/12/2019 23:45,5\n01/01/2019,3\n15/06/2019 08:00,7\n"
    ),
    "dates_ambiguous.csv": utf8("date,n\n01/02/2020,1\n03/04/2020,2\n"),
    "dates_month_first.csv": utf8("date,n\n12/31/2019,1\n01/15/2020,2\n"),
    "dates_iso.csv": utf8(
        "jour,mise_a_jour\n2022-10-24,2022-10-24T10:45\n2023-01-05,2023-01-05 08:00:00\n"
    ),
    "dates_time_zone.csv": utf8(
        "instant\n2022-10-24T10:45:00-04:00\n2022-10-24T16:00:00Z\n"
    ),
    "dates_invalid.csv": utf8("date,n\n31/02/2020,1\n01/03/2020,2\n"),
    "mostly_dates.csv": utf8(
        "projet,ouverture\nA,2017-06-01\nB,Permanent\nC,2017-07-15\n"
    ),
    # Missing values and identifiers.
    "missing_markers.csv": utf8(
        "region,sexe,population,taux,note,remarque\n"
        'A,F,100,"1,5",n.d.,-\n'
        "B,M,x,F,ok,voir note\n"
        'C,F,..,"2,0",,-\n'
        "D,M,...,-,N/D,\n"
        'E,F,n.d.,"3,5",,x\n'
        "F,M,250,x,,ras\n"
    ),
    "mostly_numbers.csv": utf8("nom,valeur\nA,1\nB,2\nC,3\nD,4\nE,cinq\n"),
    "leading_zeros.csv": utf8(
        "code_municipal,code_postal,nom,population\n"
        "07025,J0E 1B0,A,370\n"
        "46005,H2X1Y4,B,4012\n"
        "00123,G0Y 1A,C,55\n"
    ),
    # Header and rows.
    "header_spaces.csv": (
        'Nom_etablissement , Nom_installation , Nombre\r\n"CISSS A","Hôpital B",7\r\n'.encode(
            "cp1252"
        )
    ),
    "trailing_delimiters.csv": utf8("a;b;;\n1;2;;\n3;4;;\n"),
    "duplicate_headers.csv": utf8("nom,valeur,valeur,,nom\nA,1,2,3,B\n"),
    "ragged_short.csv": utf8(
        "Date;A;B;C\n01/01/2012;1;2;3\n02/01/2012;4;5\n03/01/2012;6\n"
    ),
    "ragged_long.csv": utf8("a,b\n1,2\n3,4,5\n6,7\n"),
    "empty_rows.csv": utf8("a,b\n1,2\n,\n3,4\n"),
    "single_column.csv": utf8("nom\nA\nB\n"),
    "excel_separator_line.csv": utf8("sep=;\r\nnom;valeur\r\nA;1,5\r\n"),
    "mac_line_endings.csv": utf8("région;n\rMontérégie;1\rEstrie;2\r"),
    # Files that are not readable tables.
    "empty.csv": b"",
    "blank.csv": codecs.BOM_UTF8 + b"  \r\n",
    "zip_as_csv.csv": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",
    "nul_bytes.csv": b"a,b\n1,\x002\n",
    "html_page.csv": utf8(
        "<!DOCTYPE html>\n<html><head><title>Erreur 404</title></head><body></body></html>\n"
    ),
    "truncated.csv": utf8('nom,adresse\n"A","10, rue des Églises'),
    # GeoJSON.
    "points_crs84.geojson": geojson(
        {
            "type": "FeatureCollection",
            "crs": {
                "type": "name",
                "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"},
            },
            "features": [
                point(
                    {"nom": "A", "nombre": 1, "ouverture": "2017-06-01"}, -73.5, 45.5
                ),
                point(
                    {"nom": "B", "nombre": None, "ouverture": "2018-05-20"}, -71.2, 46.8
                ),
            ],
        }
    ),
    "mixed_geometry.geojson": geojson(
        {
            "type": "FeatureCollection",
            "name": "D:/FME/quartiers.geojson",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"ID": 1},
                    "geometry": {"type": "Polygon", "coordinates": square(1)},
                },
                {
                    "type": "Feature",
                    "properties": {"ID": 2},
                    "geometry": {"type": "MultiPolygon", "coordinates": [square(2)]},
                },
                {"type": "Feature", "properties": {"ID": 3}, "geometry": None},
            ],
        }
    ),
    # Coordinates of the Centre sportif St-Charles in piscines.csv, which also
    # gives them in WGS84: LONG -73.563099, LAT 45.479802.
    "projected_mtm8.geojson": geojson(
        {
            "type": "FeatureCollection",
            "crs": {
                "type": "name",
                "properties": {"name": "urn:ogc:def:crs:EPSG::32188"},
            },
            "features": [
                point({"NOM": "Centre sportif St-Charles"}, 299867.9341, 5037766.346)
            ],
        }
    ),
    "projected_no_crs.geojson": geojson(
        {
            "type": "FeatureCollection",
            "features": [
                point({"NOM": "Centre sportif St-Charles"}, 299867.9341, 5037766.346)
            ],
        }
    ),
    "not_feature_collection.geojson": geojson({"type": "Topology", "objects": {}}),
    "truncated.geojson": utf8(
        '{"type": "FeatureCollection", "features": [{"type": "Feature"'
    ),
    # CKAN datastore_search responses.
    "datastore_response.json": json.dumps(
        {
            "help": "https://www.donneesquebec.ca/recherche/api/3/action/help_show?name=datastore_search",
            "success": True,
            "result": {
                "fields": [
                    {"id": "_id", "type": "int"},
                    {"id": "mcode", "type": "text"},
                    {"id": "msuperf", "type": "numeric"},
                    {"id": "mpopul", "type": "numeric"},
                    {"id": "mdatcons", "type": "timestamp"},
                    {"id": "note", "type": "text", "info": {"type_override": "text"}},
                ],
                "records": [
                    {
                        "_id": 1,
                        "mcode": "07025",
                        "msuperf": 26.97,
                        "mpopul": 370,
                        "mdatcons": "1929-06-25T00:00:00",
                        "note": "",
                    },
                    {
                        "_id": 2,
                        "mcode": "46005",
                        "msuperf": 3.5,
                        "mpopul": None,
                        "mdatcons": None,
                        "note": "ok",
                    },
                ],
                "total": 5,
            },
        },
        indent=2,
    ).encode("utf-8"),
    "datastore_failure.json": utf8(
        '{"success": false, "error": {"__type": "Not Found Error", "message": "Not found"}}'
    ),
}


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    print(f"Wrote {len(FILES)} files in {HERE}")


if __name__ == "__main__":
    main()
