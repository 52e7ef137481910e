"""Tests of the API query builder: parameters, URL, curl, Python code, paging.

The generated URL, curl command and Python code are run against the replica
on 127.0.0.1 and must give the result the app shows.
"""

import json
import shlex
import shutil
import subprocess

import pytest
import requests

from widgets.api_builder import (
    ACTIONS,
    EXAMPLE_RESOURCE_ID,
    ParameterError,
    build_params,
    curl_command,
    default_values,
    paging,
    python_code,
    request_url,
    result_json,
    result_table,
    run,
    turn_page,
)


def test_build_params_types():
    params = build_params("datastore_search", default_values("datastore_search"))
    assert params["limit"] == 5
    assert params["filters"] == {"regadm": "Estrie (05)"}
    assert "q" not in params


def test_build_params_boolean():
    assert build_params("organization_list", {"all_fields": "True"}) == {
        "all_fields": True
    }


def test_build_params_bad_json():
    with pytest.raises(ParameterError, match="filters"):
        build_params("datastore_search", {"resource_id": "x", "filters": "{bad"})


def test_build_params_json_scalar():
    with pytest.raises(ParameterError, match="objet JSON|JSON object"):
        build_params("datastore_search", {"resource_id": "x", "filters": "3"})


def test_build_params_negative_integer():
    with pytest.raises(ParameterError, match="limit"):
        build_params("datastore_search", {"resource_id": "x", "limit": "-1"})


def test_build_params_missing_required():
    with pytest.raises(ParameterError, match="resource_id"):
        build_params("datastore_search", {"resource_id": "  "})


def test_build_params_unknown_action():
    with pytest.raises(ParameterError, match="package_patch"):
        build_params("package_patch", {})


@pytest.mark.parametrize("action", list(ACTIONS))
def test_defaults_run_on_replica(replica_source, action):
    client = replica_source.client
    params = build_params(action, default_values(action))
    result = run(client, action, params)
    assert result.url == request_url(client, action, params)


def test_url_gives_shown_result(replica_source):
    client = replica_source.client
    params = build_params("datastore_search", default_values("datastore_search"))
    shown = run(client, "datastore_search", params)
    body = requests.get(
        request_url(client, "datastore_search", params), timeout=30
    ).json()
    assert body["result"] == shown.result


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_gives_shown_result(replica_source):
    client = replica_source.client
    params = build_params("package_search", {"q": "vélo", "rows": "2"})
    shown = run(client, "package_search", params)
    command = curl_command(request_url(client, "package_search", params))
    completed = subprocess.run(
        shlex.split(command), capture_output=True, check=True, timeout=30
    )
    assert json.loads(completed.stdout)["result"] == shown.result


@pytest.mark.parametrize(
    "action",
    ["datastore_search", "datastore_search_sql", "package_search", "package_list"],
)
def test_python_code_gives_shown_result(replica_source, action):
    client = replica_source.client
    params = build_params(action, default_values(action))
    shown = run(client, action, params)
    namespace: dict = {}
    exec(python_code(client, action, params, "fr"), namespace)  # noqa: S102
    assert namespace["response"].url == shown.url
    assert namespace["result"] == shown.result
    assert len(namespace["table"]) == len(result_table(action, shown.result))


def test_paging_datastore(replica_source):
    client = replica_source.client
    params = build_params("datastore_search", default_values("datastore_search"))
    result = run(client, "datastore_search", params)
    page = paging("datastore_search", params, result.result)
    assert page.total == result.result["total"]
    assert page.page == 1
    assert page.pages == -(-page.total // params["limit"])
    assert page.has_previous is False


def test_next_page_moves_offset(replica_source):
    client = replica_source.client
    params = build_params("datastore_search", default_values("datastore_search"))
    first = run(client, "datastore_search", params)
    page = paging("datastore_search", params, first.result)
    moved = turn_page("datastore_search", params, 1, page)
    second = run(client, "datastore_search", moved)
    assert moved["offset"] == params["limit"]
    assert paging("datastore_search", moved, second.result).page == 2
    assert second.result["records"] != first.result["records"]


def test_last_page_has_no_next(replica_source):
    client = replica_source.client
    params = build_params("package_search", {"rows": "3"})
    first = run(client, "package_search", params)
    page = paging("package_search", params, first.result)
    last_params = turn_page("package_search", params, page.pages + 5, page)
    last = run(client, "package_search", last_params)
    last_page = paging("package_search", last_params, last.result)
    assert last_page.page == page.pages
    assert last_page.has_next is False
    assert len(last.result["results"]) == page.total - (page.pages - 1) * 3


def test_paging_none_for_sql(replica_source):
    client = replica_source.client
    params = build_params(
        "datastore_search_sql", default_values("datastore_search_sql")
    )
    result = run(client, "datastore_search_sql", params)
    assert paging("datastore_search_sql", params, result.result) is None


def test_result_json_cut():
    text, cut = result_json({"records": ["x" * 100]}, max_characters=20)
    assert cut is True
    assert len(text) == 20


def test_default_resource_in_replica(replica_source):
    result = replica_source.client.datastore_search(EXAMPLE_RESOURCE_ID, limit=1)
    assert result.total > 0


@pytest.mark.network
def test_real_portal_code_runs(monkeypatch):
    from widgets.connectivity import is_reachable
    from widgets.portal import PORTAL_API_URL, PortalClient

    monkeypatch.delenv("DONNEESQC_OFFLINE", raising=False)
    if not is_reachable(PORTAL_API_URL + "status_show"):
        pytest.skip("www.donneesquebec.ca cannot be reached from this machine")
    client = PortalClient(PORTAL_API_URL)
    params = build_params("datastore_search", default_values("datastore_search"))
    shown = run(client, "datastore_search", params)
    namespace: dict = {}
    exec(python_code(client, "datastore_search", params), namespace)  # noqa: S102
    assert namespace["result"]["total"] == shown.result["total"]
