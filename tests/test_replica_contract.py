"""The replica's responses against CKAN's contract and a recorded portal response."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests

from widgets.ckan_catalog import load_schema, resource_id_for
from widgets.datastore import ROWS_MAX, read_csv_frame, type_column
from widgets.fetch import fetch
from widgets.registry import get_dataset
from widgets.replica import check_host, main, start_replica

REPERTOIRE = get_dataset("repertoire-municipalites")
RECORDED = get_dataset("repertoire-municipalites-api")
VELOS_2019 = get_dataset("velos-comptage-2019")
PISCINES = get_dataset("piscines-montreal")
RESOURCE_KEYS = {
    "id",
    "package_id",
    "name",
    "format",
    "url",
    "datastore_active",
    "size",
    "mimetype",
}


def json_kind(value: object) -> str:
    """Name the JSON type of a decoded value; ints and floats are both numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def kinds_by_field(records: list[dict]) -> dict[str, set[str]]:
    """Return the non-null JSON types seen in each field."""
    kinds: dict[str, set[str]] = {}
    for record in records:
        for name, value in record.items():
            kinds.setdefault(name, set())
            if value is not None:
                kinds[name].add(json_kind(value))
    return kinds


@pytest.fixture(scope="module")
def replica():
    handle = start_replica()
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def recorded():
    with fetch(RECORDED.id).open(encoding="utf-8") as stream:
        return json.load(stream)


@pytest.fixture(scope="module")
def replica_response(replica, recorded):
    """The replica's response to the request of the recorded response."""
    query = parse_qs(urlsplit(RECORDED.download_url).query)
    params = {key: values[0] for key, values in query.items()}
    response = requests.get(
        replica.api_url + "datastore_search", params=params, timeout=30
    )
    response.raise_for_status()
    return response.json()


def get(replica, action: str, **params) -> requests.Response:
    return requests.get(replica.api_url + action, params=params, timeout=30)


def search(replica, **params) -> dict:
    response = get(replica, "datastore_search", **params)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_contract_envelope_keys(replica_response, recorded):
    assert set(replica_response) == set(recorded)
    assert replica_response["success"] is True


def test_contract_result_keys(replica_response, recorded):
    assert set(replica_response["result"]) == set(recorded["result"])


def test_contract_field_ids(replica_response, recorded):
    ids = [field["id"] for field in replica_response["result"]["fields"]]
    assert ids == [field["id"] for field in recorded["result"]["fields"]]


def test_contract_field_types(replica_response, recorded):
    types = {
        field["id"]: field["type"] for field in replica_response["result"]["fields"]
    }
    assert types == {
        field["id"]: field["type"] for field in recorded["result"]["fields"]
    }


def test_contract_field_info_keys(replica_response, recorded):
    info_keys = [
        sorted(field.get("info", {})) for field in replica_response["result"]["fields"]
    ]
    assert info_keys == [
        sorted(field.get("info", {})) for field in recorded["result"]["fields"]
    ]


def test_contract_total(replica_response, recorded):
    assert replica_response["result"]["total"] == recorded["result"]["total"]
    assert len(replica_response["result"]["records"]) == len(
        recorded["result"]["records"]
    )


def test_contract_record_keys(replica_response, recorded):
    expected = list(recorded["result"]["records"][0])
    assert all(
        list(record) == expected for record in replica_response["result"]["records"]
    )


def test_contract_value_types(replica_response, recorded):
    assert kinds_by_field(replica_response["result"]["records"]) == kinds_by_field(
        recorded["result"]["records"]
    )


def test_contract_scalar_members(replica_response, recorded):
    for key in ("include_total", "limit", "records_format", "total_was_estimated"):
        assert replica_response["result"][key] == recorded["result"][key], key


def test_contract_links_shape(replica_response, recorded):
    links = replica_response["result"]["_links"]
    assert set(links) == set(recorded["result"]["_links"])
    assert links["next"] == links["start"] + "&offset=3000"


def test_contract_timestamps_are_iso(replica_response):
    values = [
        r["mdatcons"] for r in replica_response["result"]["records"] if r["mdatcons"]
    ]
    assert all(pd.Timestamp(value).isoformat() == value for value in values)


def test_error_envelope_not_found(replica):
    response = get(replica, "datastore_search", resource_id="inconnue")
    body = response.json()
    assert response.status_code == 404
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")


def test_error_envelope_validation(replica):
    response = get(
        replica, "datastore_search", resource_id=REPERTOIRE.resource_id, limit="x"
    )
    body = response.json()
    assert response.status_code == 409
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["limit"] == ["Invalid integer"]


def test_error_envelope_authorization(replica):
    response = get(replica, "datastore_search_sql", sql="SELECT * FROM glob('*')")
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"


def test_error_unknown_action_is_400(replica):
    response = get(replica, "resource_delete")
    assert response.status_code == 400
    assert response.json() == "Bad request - Action name not known: resource_delete"


def test_error_unknown_parameter(replica):
    response = get(
        replica, "datastore_search", resource_id=REPERTOIRE.resource_id, limite=5
    )
    assert response.status_code == 409
    assert "__junk" in response.json()["error"]


def test_help_points_to_help_show(replica):
    body = get(replica, "package_list").json()
    assert body["help"] == f"{replica.url}/api/3/action/help_show?name=package_list"


def test_help_show_returns_text(replica):
    body = get(replica, "help_show", name="datastore_search").json()
    assert "datastore_search" in body["result"]


def test_unversioned_path(replica):
    response = requests.get(f"{replica.url}/api/action/package_list", timeout=10)
    assert response.json()["result"] == get(replica, "package_list").json()["result"]


def test_portal_prefix_path(replica):
    response = requests.get(
        f"{replica.url}/recherche/api/3/action/license_list", timeout=10
    )
    assert response.status_code == 200


def test_post_json_body(replica):
    body = {
        "resource_id": REPERTOIRE.resource_id,
        "filters": {"mdes": "Ville"},
        "limit": 1,
    }
    response = requests.post(
        replica.api_url + "datastore_search", json=body, timeout=10
    )
    result = response.json()["result"]
    assert result["records"][0]["mdes"] == "Ville"
    assert result["_links"]["next"] == "/api/3/action/datastore_search?offset=1"


def test_default_limit_is_100(replica):
    result = search(replica, resource_id=REPERTOIRE.resource_id)
    assert result["limit"] == 100
    assert len(result["records"]) == 100


def test_limit_is_capped_at_rows_max(replica):
    rid = resource_id_for(VELOS_2019)
    result = search(replica, resource_id=rid, limit=10**9, fields="_id")
    assert result["limit"] == ROWS_MAX
    assert len(result["records"]) == ROWS_MAX


def test_offset_and_prev_link(replica):
    result = search(replica, resource_id=REPERTOIRE.resource_id, limit=10, offset=30)
    assert result["records"][0]["_id"] == 31
    assert "offset=20" in result["_links"]["prev"]
    assert "offset=40" in result["_links"]["next"]


def test_fields_keep_requested_order(replica):
    result = search(
        replica, resource_id=REPERTOIRE.resource_id, fields="munnom,_id", limit=1
    )
    assert [field["id"] for field in result["fields"]] == ["munnom", "_id"]
    assert list(result["records"][0]) == ["munnom", "_id"]


def test_sort_two_columns(replica):
    source = pd.read_csv(fetch(REPERTOIRE.id), encoding=REPERTOIRE.encoding, dtype=str)
    source["mpopul"] = source["mpopul"].astype(float)
    expected = source.sort_values(["regadm", "mpopul"], ascending=[True, False])
    result = search(
        replica,
        resource_id=REPERTOIRE.resource_id,
        sort="regadm asc, mpopul desc",
        limit=20,
    )
    assert [r["mpopul"] for r in result["records"]] == list(expected["mpopul"].head(20))


def test_filter_list_values(replica):
    result = search(
        replica,
        resource_id=REPERTOIRE.resource_id,
        filters=json.dumps({"mdes": ["Ville", "Village"]}),
        limit=0,
    )
    source = pd.read_csv(fetch(REPERTOIRE.id), encoding=REPERTOIRE.encoding, dtype=str)
    assert result["total"] == int(source["mdes"].isin(["Ville", "Village"]).sum())


def test_filter_on_numeric_column(replica):
    result = search(
        replica, resource_id=REPERTOIRE.resource_id, filters=json.dumps({"mpopul": 370})
    )
    assert {r["mpopul"] for r in result["records"]} == {370}


def test_q_ignores_case_and_accents(replica):
    plain = search(replica, resource_id=REPERTOIRE.resource_id, q="MONTEREGIE", limit=0)
    accented = search(
        replica, resource_id=REPERTOIRE.resource_id, q="montérégie", limit=0
    )
    assert plain["total"] == accented["total"]
    assert plain["total"] > 0


def test_q_adds_rank_field(replica):
    result = search(replica, resource_id=REPERTOIRE.resource_id, q="Estrie", limit=3)
    assert result["fields"][-1] == {"id": "rank", "type": "float"}


def test_q_per_field(replica):
    q = json.dumps({"munnom": "saint"})
    result = search(replica, resource_id=REPERTOIRE.resource_id, q=q, limit=100)
    assert all("saint" in r["munnom"].lower() for r in result["records"])
    assert "rank munnom" in result["records"][0]


def test_include_total_false(replica):
    result = search(
        replica, resource_id=REPERTOIRE.resource_id, include_total="false", limit=1
    )
    assert "total" not in result


def test_records_format_lists(replica):
    result = search(
        replica, resource_id=REPERTOIRE.resource_id, records_format="lists", limit=2
    )
    assert len(result["records"][0]) == len(result["fields"])


def test_records_format_csv(replica):
    result = search(
        replica,
        resource_id=REPERTOIRE.resource_id,
        records_format="csv",
        fields="mcode",
        limit=3,
    )
    assert len(result["records"].splitlines()) == 3


def test_distinct_values(replica):
    result = search(
        replica, resource_id=PISCINES.resource_id, fields="TYPE", distinct="true"
    )
    source = pd.read_csv(fetch(PISCINES.id), dtype=str)
    assert result["total"] == source["TYPE"].nunique()


def test_generated_resource_id_is_stable(replica):
    package = get(replica, "package_show", id="velos-comptage").json()["result"]
    ids = {resource["id"] for resource in package["resources"]}
    assert resource_id_for(VELOS_2019) in ids


def test_package_resources_have_ckan_keys(replica):
    package = get(replica, "package_show", id="velos-comptage").json()["result"]
    assert all(RESOURCE_KEYS <= set(resource) for resource in package["resources"])


def test_package_codes_follow_schema(replica):
    schema = load_schema()
    packages = get(replica, "package_search", rows=1000).json()["result"]["results"]
    for package in packages:
        assert package["license_id"] in schema.licenses, package["name"]
        assert package["update_frequency"] in {"", *schema.update_frequencies}, package[
            "name"
        ]
        assert package["language"] in schema.languages, package["name"]


def test_package_licence_fields(replica):
    package = get(
        replica, "package_show", id="repertoire-des-municipalites-du-quebec"
    ).json()
    result = package["result"]
    assert result["license_id"] == REPERTOIRE.licence_id
    assert result["license_url"] == REPERTOIRE.licence_url
    assert result["organization"]["name"] == REPERTOIRE.organization


def test_datastore_active_matches_tables(replica):
    package = get(replica, "package_show", id="vmtl-rues-pietonnes").json()["result"]
    assert [r["datastore_active"] for r in package["resources"]] == [False]


def test_geojson_resource_not_in_datastore(replica):
    package = get(replica, "package_show", id="vmtl-rues-pietonnes").json()["result"]
    response = get(
        replica, "datastore_search", resource_id=package["resources"][0]["id"]
    )
    assert response.status_code == 404


def test_package_search_facets(replica):
    params = {"facet.field": json.dumps(["res_format"]), "rows": 0}
    result = get(replica, "package_search", **params).json()["result"]
    assert result["facets"]["res_format"]["CSV"] >= 1
    assert result["search_facets"]["res_format"]["items"][0]["count"] >= 1


def test_package_search_invalid_sort(replica):
    response = get(replica, "package_search", sort="popularite desc")
    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Search Query Error"


def test_concurrent_searches_agree(replica):
    def total(_: int) -> int:
        return search(replica, resource_id=REPERTOIRE.resource_id, q="lac", limit=5)[
            "total"
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        totals = list(pool.map(total, range(24)))
    assert len(set(totals)) == 1


def test_check_host_rejects_other_hosts():
    with pytest.raises(ValueError):
        check_host("0.0.0.0")


def test_main_rejects_other_hosts():
    with pytest.raises(SystemExit) as caught:
        main(["--host", "0.0.0.0", "--port", "8765"])
    assert caught.value.code == 2


def test_inferred_types_match_recorded(recorded):
    frame = read_csv_frame(REPERTOIRE)
    inferred = {
        name: type_column(frame[name], name, REPERTOIRE)[0] for name in frame.columns
    }
    expected = {
        field["id"]: field["type"] for field in recorded["result"]["fields"][1:]
    }
    assert inferred == expected


def test_type_column_keeps_typed_columns():
    numbers = pd.Series([1, 2, None], name="n", dtype="Int64")
    dates = pd.to_datetime(pd.Series(["2024-01-01", None], name="d"))
    assert type_column(numbers, "n", REPERTOIRE)[0] == "numeric"
    assert type_column(dates, "d", REPERTOIRE)[0] == "timestamp"


def test_type_column_day_first_dates():
    values = pd.Series(["31/12/2019 23:45", "", "01/01/2019 00:00"], name="Date")
    ckan_type, column = type_column(values, "Date", VELOS_2019)
    assert ckan_type == "timestamp"
    assert column.iloc[0] == pd.Timestamp("2019-12-31 23:45")
    assert pd.isna(column.iloc[1])


def test_unexpected_error_is_500(replica, monkeypatch):
    def broken(params, context):
        raise RuntimeError("simulated failure")

    monkeypatch.setitem(replica.server.replica.actions, "package_list", broken)
    response = get(replica, "package_list")
    assert response.status_code == 500
    assert response.json()["error"]["__type"] == "Internal Server Error"
