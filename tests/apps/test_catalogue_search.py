"""Tests of the catalogue search logic against the replica on 127.0.0.1."""

import pytest

from widgets.apps.tables import load_geojson
from widgets.catalogue_search import (
    CatalogueFilters,
    PreviewUnavailableError,
    facet_options,
    filter_query,
    frequency_label,
    metadata_rows,
    preview_resource,
    results_table,
    search_catalogue,
    search_params,
)
from widgets.registry import get_dataset


def test_filter_query_quotes_values():
    query = filter_query(CatalogueFilters(organization="mamh", res_format="CSV"))
    assert query == 'organization:"mamh" AND res_format:"CSV"'


def test_filter_query_empty_is_none():
    assert filter_query(CatalogueFilters(keywords="vélo")) is None


def test_filter_query_escapes_quotes():
    assert filter_query(CatalogueFilters(license_id='a"b')) == 'license_id:"a\\"b"'


def test_search_params_start_follows_page():
    params = search_params(CatalogueFilters(), page=3, rows=4)
    assert params["start"] == 8


def test_search_params_rejects_page_zero():
    with pytest.raises(ValueError, match="page"):
        search_params(CatalogueFilters(), page=0)


def test_search_organization_filter(replica_source):
    client = replica_source.client
    everything = search_catalogue(client, CatalogueFilters(), rows=100)
    expected = {
        item["name"]: item["count"] for item in everything.facets["organization"]
    }
    page = search_catalogue(
        client, CatalogueFilters(organization="ville-de-montreal"), rows=100
    )
    assert page.count == expected["ville-de-montreal"]
    assert {p["organization"]["name"] for p in page.packages} == {"ville-de-montreal"}


def test_search_format_filter(replica_source):
    page = search_catalogue(
        replica_source.client, CatalogueFilters(res_format="GeoJSON"), rows=100
    )
    assert page.count > 0
    for package in page.packages:
        formats = {resource["format"] for resource in package["resources"]}
        assert "GeoJSON" in formats


def test_search_licence_filter_excludes_other(replica_source):
    page = search_catalogue(
        replica_source.client, CatalogueFilters(license_id="cc-by-nc"), rows=100
    )
    assert page.count == 0


def test_search_keywords_match_title(replica_source):
    page = search_catalogue(
        replica_source.client, CatalogueFilters(keywords="piscines")
    )
    assert page.count >= 1
    assert all("iscines" in package["title"] for package in page.packages)


def test_search_pages_are_disjoint(replica_source):
    client = replica_source.client
    first = search_catalogue(client, CatalogueFilters(), page=1, rows=3)
    second = search_catalogue(client, CatalogueFilters(), page=2, rows=3)
    names = {p["name"] for p in first.packages}
    assert names.isdisjoint({p["name"] for p in second.packages})
    assert first.pages == -(-first.count // 3)


def test_search_url_names_filters(replica_source):
    page = search_catalogue(
        replica_source.client, CatalogueFilters(organization="mamh")
    )
    assert page.url.startswith(replica_source.base_url + "package_search?")
    assert "organization%3A%22mamh%22" in page.url


def test_facet_options_keep_selection():
    options = facet_options({"organization": []}, "organization", "mamh")
    assert options == [("mamh (0)", "mamh")]


def test_frequency_label_french():
    assert frequency_label("monthly", "fr") == "Mensuel"


def test_frequency_label_missing():
    assert frequency_label(None, "en") == "not stated"


def test_results_table_columns(replica_source):
    page = search_catalogue(replica_source.client, CatalogueFilters(), rows=100)
    table = results_table(page.packages, "en")
    assert list(table.columns) == [
        "Title",
        "Publisher",
        "Licence",
        "Declared frequency",
        "Last update",
    ]
    assert len(table) == len(page.packages)


def test_results_table_frequency_from_registry(replica_source):
    page = search_catalogue(
        replica_source.client, CatalogueFilters(organization="msss"), rows=10
    )
    table = results_table(page.packages, "fr")
    expected = frequency_label(get_dataset("urgences-msss").update_frequency, "fr")
    assert table["Fréquence déclarée"].tolist() == [expected]


def test_metadata_rows_name_publisher(replica_source):
    package = replica_source.client.package_show("piscines-montreal").result
    rows = dict(metadata_rows(package, "en"))
    assert rows["Publisher"] == "Ville de Montréal"


def test_preview_datastore_rows(replica_source):
    client = replica_source.client
    package = client.package_show("repertoire-des-municipalites-du-quebec").result
    resource = next(r for r in package["resources"] if r["datastore_active"])
    preview = preview_resource(client, resource, rows=7)
    full = client.datastore_search(resource["id"], limit=1)
    assert preview.source == "datastore"
    assert len(preview.table) == 7
    assert preview.total == full.total
    assert "_id" not in preview.table.columns


def test_preview_geojson_file(replica_source):
    client = replica_source.client
    package = client.package_show("quartiers-quebec").result
    preview = preview_resource(client, package["resources"][0], rows=5)
    assert preview.source == "file"
    assert set(preview.table["geometry_type"]) <= {"Polygon", "MultiPolygon"}
    assert preview.total == len(load_geojson("quartiers-quebec")["features"])


def test_preview_unknown_resource(replica_source):
    resource = {"id": "no-such-resource", "name": "inconnue", "url": "https://x/y.csv"}
    with pytest.raises(PreviewUnavailableError, match="y.csv"):
        preview_resource(replica_source.client, resource)


@pytest.mark.network
def test_real_portal_search(monkeypatch):
    from widgets.connectivity import is_reachable
    from widgets.portal import PORTAL_API_URL, PortalClient

    monkeypatch.delenv("DONNEESQC_OFFLINE", raising=False)
    if not is_reachable(PORTAL_API_URL + "status_show"):
        pytest.skip("www.donneesquebec.ca cannot be reached from this machine")
    client = PortalClient(PORTAL_API_URL)
    page = search_catalogue(client, CatalogueFilters(res_format="CSV"), rows=5)
    table = results_table(page.packages, "fr")
    assert page.count > 0
    assert len(table) == len(page.packages)
