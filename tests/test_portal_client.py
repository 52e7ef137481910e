"""The portal client against the replica, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import math
import socket
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from tests.replica_support import closed_port_url, scripted_server
from widgets.errors import CourseError
from widgets.fetch import USER_AGENT, fetch
from widgets.portal import (
    API_VARIABLE,
    PORTAL_API_URL,
    REPLICA_COMMAND,
    AuthorizationError,
    BadRequestError,
    NotFoundError,
    PortalClient,
    PortalError,
    PortalTimeoutError,
    PortalUnavailableError,
    ValidationError,
    api_base_url,
    parse_retry_after,
)
from widgets.registry import get_dataset
from widgets.replica import start_replica

REPERTOIRE = get_dataset("repertoire-municipalites")
PISCINES = get_dataset("piscines-montreal")
URGENCES = get_dataset("urgences-msss")
MONTEREGIE = "Montérégie (16)"
RDP = "Rivière-des-Prairies–Pointe-aux-Trembles"


def read_source(dataset) -> pd.DataFrame:
    """Read a registered CSV file as text, the reference the replica must match."""
    frame = pd.read_csv(
        fetch(dataset.id),
        encoding=dataset.encoding,
        sep=dataset.delimiter,
        dtype=str,
        keep_default_na=False,
    )
    frame.columns = [name.strip() for name in frame.columns]
    return frame


@pytest.fixture(scope="module")
def replica():
    handle = start_replica()
    yield handle
    handle.stop()


@pytest.fixture()
def client(replica):
    return PortalClient(replica.api_url, retries=0)


def test_base_url_defaults_to_portal(monkeypatch):
    monkeypatch.delenv(API_VARIABLE, raising=False)
    assert api_base_url() == PORTAL_API_URL


def test_base_url_reads_environment(monkeypatch):
    monkeypatch.setenv(API_VARIABLE, "http://127.0.0.1:8765/api/3/action")
    assert PortalClient().base_url == "http://127.0.0.1:8765/api/3/action/"


def test_base_url_argument_wins(monkeypatch):
    monkeypatch.setenv(API_VARIABLE, "http://127.0.0.1:1/api/3/action/")
    assert (
        api_base_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765/api/3/action/"
    )


def test_url_for_sends_nothing():
    client = PortalClient(closed_port_url())
    url = client.url_for("package_show", id="velos-comptage")
    assert url.endswith("/package_show?id=velos-comptage")


def test_url_for_encodes_filters_as_json(client):
    url = client.url_for(
        "datastore_search",
        resource_id=REPERTOIRE.resource_id,
        filters={"regadm": MONTEREGIE},
        fields=["mcode", "munnom"],
        include_total=False,
    )
    query = parse_qs(urlsplit(url).query)
    assert json.loads(query["filters"][0]) == {"regadm": MONTEREGIE}
    assert query["fields"] == ["mcode,munnom"]
    assert query["include_total"] == ["false"]


def test_url_for_writes_facet_fields_as_json(client):
    url = client.url_for("package_search", facet_field=["organization", "res_format"])
    query = parse_qs(urlsplit(url).query)
    assert json.loads(query["facet.field"][0]) == ["organization", "res_format"]


def test_result_keeps_sent_url(client):
    page = client.datastore_search(REPERTOIRE.resource_id, limit=2)
    expected = client.url_for(
        "datastore_search", resource_id=REPERTOIRE.resource_id, limit=2
    )
    assert page.url == expected


def test_filter_accented_region_total(client):
    source = read_source(REPERTOIRE)
    page = client.datastore_search(
        REPERTOIRE.resource_id, filters={"regadm": MONTEREGIE}, limit=5
    )
    assert page.total == int((source["regadm"] == MONTEREGIE).sum())
    assert {record["regadm"] for record in page.records} == {MONTEREGIE}


def test_filter_list_of_boroughs(client):
    source = read_source(PISCINES)
    boroughs = [RDP, "Verdun"]
    page = client.datastore_search(
        PISCINES.resource_id, filters={"ARRONDISSE": boroughs}
    )
    assert page.total == int(source["ARRONDISSE"].isin(boroughs).sum())


def test_iteration_reads_every_page(client):
    source = read_source(REPERTOIRE)
    expected = int((source["regadm"] == MONTEREGIE).sum())
    pages = list(
        client.iter_datastore_search(
            REPERTOIRE.resource_id, filters={"regadm": MONTEREGIE}, page_size=40
        )
    )
    ids = [record["_id"] for page in pages for record in page.records]
    assert len(pages) == math.ceil(expected / 40)
    assert len(ids) == expected
    assert len(set(ids)) == expected


def test_iteration_stops_at_max_records(client):
    pages = list(
        client.iter_datastore_search(
            REPERTOIRE.resource_id, page_size=30, max_records=70
        )
    )
    assert sum(len(page.records) for page in pages) == 70


def test_iteration_urls_advance_offset(client):
    pages = list(client.iter_datastore_search(PISCINES.resource_id, page_size=100))
    offsets = [
        parse_qs(urlsplit(page.url).query).get("offset", ["0"])[0] for page in pages
    ]
    assert offsets == [str(100 * index) for index in range(len(pages))]


def test_dataframe_types_follow_fields(client):
    frame = client.datastore_search(REPERTOIRE.resource_id, limit=20).to_dataframe()
    assert str(frame["_id"].dtype) == "Int64"
    assert pd.api.types.is_float_dtype(frame["mpopul"])
    assert pd.api.types.is_datetime64_any_dtype(frame["mdatcons"])
    assert frame["mcode"].str.len().eq(5).all()


def test_dataframe_reads_whole_table(client):
    source = read_source(PISCINES)
    frame = client.datastore_dataframe(PISCINES.resource_id, page_size=50)
    assert len(frame) == len(source)
    assert list(frame.columns[1:]) == list(source.columns)


def test_sql_with_quoted_identifiers(client):
    source = read_source(PISCINES)
    sql = (
        f'SELECT "ARRONDISSE", count(*) AS n FROM "{PISCINES.resource_id}" '
        'GROUP BY "ARRONDISSE" ORDER BY n DESC, "ARRONDISSE"'
    )
    frame = client.datastore_search_sql(sql).to_dataframe()
    counts = source["ARRONDISSE"].value_counts()
    assert frame["n"].sum() == len(source)
    assert frame.iloc[0]["n"] == counts.max()


def test_sql_column_with_apostrophe(client):
    source = read_source(URGENCES)
    column = "Heure_de_l'extraction_(image)"
    sql = f'SELECT DISTINCT "{column}" FROM "{URGENCES.resource_id}"'
    result = client.datastore_search_sql(sql)
    assert sorted(r[column] for r in result.records) == sorted(source[column].unique())


def test_sql_echoes_query(client):
    sql = f'SELECT count(*) AS n FROM "{REPERTOIRE.resource_id}"'
    assert client.datastore_search_sql(sql).result["sql"] == sql


def test_post_matches_get(client):
    params = {"resource_id": PISCINES.resource_id, "filters": {"ARRONDISSE": RDP}}
    by_get = client.call("datastore_search", params)
    by_post = client.call("datastore_search", params, method="POST")
    assert by_post.records == by_get.records


def test_package_search_counts(client):
    result = client.package_search(q="*:*", rows=2, facet_fields=["organization"])
    assert result.count == len(client.package_list().result)
    assert len(result.results) == 2
    assert sum(result.facets["organization"].values()) == result.count


def test_iter_package_search_pages(client):
    pages = list(client.iter_package_search(page_size=3))
    names = [package["name"] for page in pages for package in page.results]
    assert len(pages) == math.ceil(pages[0].count / 3)
    assert sorted(names) == sorted(client.package_list().result)


def test_package_search_by_organization(client):
    result = client.package_search(fq="organization:ville-de-montreal", rows=100)
    organizations = {package["organization"]["name"] for package in result.results}
    assert organizations == {"ville-de-montreal"}


def test_package_show_lists_resources(client):
    package = client.package_search(q="res_format:CSV", rows=1).results[0]
    frame = client.package_show(package["name"]).to_dataframe()
    assert set(frame["package_id"]) == {package["id"]}


def test_organization_list_all_fields(client):
    names = client.organization_list().result
    frame = client.organization_list(all_fields=True).to_dataframe()
    assert list(frame["name"]) == names
    assert frame["package_count"].sum() == len(client.package_list().result)


def test_organization_show_by_name(client):
    organization = client.organization_show("mamh").result
    assert organization["title"] == REPERTOIRE.publisher


def test_license_list_has_registry_licence(client):
    ids = {item["id"] for item in client.license_list().result}
    assert REPERTOIRE.licence_id in ids


def test_unknown_resource_raises_not_found(client):
    with pytest.raises(NotFoundError) as caught:
        client.datastore_search("ressource-inexistante")
    assert caught.value.status == 404
    assert "ressource-inexistante" in caught.value.portal_message
    assert isinstance(caught.value, CourseError)


def test_unknown_package_raises_not_found(client):
    with pytest.raises(NotFoundError):
        client.package_show("jeu-inexistant")


def test_invalid_filter_raises_validation(client):
    with pytest.raises(ValidationError) as caught:
        client.datastore_search(
            REPERTOIRE.resource_id, filters={"region": "Estrie (05)"}
        )
    assert caught.value.status == 409
    assert "filters" in caught.value.field_errors


def test_invalid_sort_raises_validation(client):
    with pytest.raises(ValidationError) as caught:
        client.datastore_search(REPERTOIRE.resource_id, sort="population desc")
    assert "sort" in caught.value.field_errors


def test_invalid_sql_raises_validation(client):
    with pytest.raises(ValidationError) as caught:
        client.datastore_search_sql("SELEC munnom FROM nulle_part")
    assert "query" in caught.value.field_errors


def test_forbidden_function_raises_authorization(client):
    with pytest.raises(AuthorizationError) as caught:
        client.datastore_search_sql("SELECT * FROM read_csv('/etc/hostname')")
    assert caught.value.status == 403
    assert "read_csv" in caught.value.portal_message


def test_unknown_action_raises_bad_request(client):
    with pytest.raises(BadRequestError) as caught:
        client.call("datastore_delete")
    assert "datastore_delete" in caught.value.portal_message


def test_error_message_is_bilingual(client):
    with pytest.raises(PortalError) as caught:
        client.datastore_search("ressource-inexistante")
    assert "Vérifiez" in caught.value.message_fr
    assert "Check" in caught.value.message_en


def test_timeout_names_replica_command():
    with scripted_server(delay=2.0) as server:
        client = PortalClient(server.url, timeout=0.3, retries=0)
        with pytest.raises(PortalTimeoutError) as caught:
            client.license_list()
    assert API_VARIABLE in caught.value.message_en
    assert REPLICA_COMMAND in caught.value.message_en


def test_unreachable_host_names_variable():
    client = PortalClient(closed_port_url(), retries=1, backoff=0.01)
    with pytest.raises(PortalUnavailableError) as caught:
        client.license_list()
    assert API_VARIABLE in caught.value.message_fr
    assert REPLICA_COMMAND in caught.value.message_fr


def test_retry_after_500_succeeds():
    with scripted_server(failures=1, status=500) as server:
        client = PortalClient(server.url, retries=2, backoff=0.01)
        result = client.organization_list()
        assert result.result == ["mamh"]
        assert len(server.requests) == 2


def test_retry_after_429_succeeds():
    with scripted_server(failures=1, status=429, retry_after="0") as server:
        client = PortalClient(server.url, retries=1, backoff=5.0)
        client.organization_list()
        assert len(server.requests) == 2


def test_retries_are_bounded():
    with scripted_server(failures=10, status=503) as server:
        client = PortalClient(server.url, retries=2, backoff=0.01)
        with pytest.raises(PortalError) as caught:
            client.organization_list()
        assert len(server.requests) == 3
    assert caught.value.status == 503


def test_retry_after_header_sets_delay():
    client = PortalClient(closed_port_url(), backoff=0.5, max_retry_after=4.0)
    assert client._delay(0, "2") == 2.0
    assert client._delay(0, "600") == 4.0
    assert client._delay(2, None) == 2.0


def test_retry_after_http_date_is_parsed():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("bientôt") is None


def test_user_agent_names_course():
    with scripted_server() as server:
        PortalClient(server.url).license_list()
        assert server.requests[0]["headers"]["User-Agent"] == USER_AGENT


def test_html_response_is_unavailable():
    with scripted_server(success_body=b"<html>Maintenance</html>") as server:
        client = PortalClient(server.url, retries=0)
        with pytest.raises(PortalUnavailableError) as caught:
            client.license_list()
    assert "Maintenance" in caught.value.message_en


def portal_reachable() -> bool:
    """Return whether the portal accepts a TCP connection within 3 seconds."""
    try:
        with socket.create_connection(("www.donneesquebec.ca", 443), timeout=3):
            return True
    except OSError:
        return False


@pytest.mark.network
def test_real_portal_package_search():
    if not portal_reachable():
        pytest.skip("www.donneesquebec.ca cannot be reached from this machine")
    client = PortalClient(PORTAL_API_URL)
    result = client.package_search(q="municipalités", rows=2)
    assert result.count > 0
    assert len(result.results) <= 2
