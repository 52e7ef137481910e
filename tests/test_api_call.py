"""Requests shown three ways: the URL and the curl command send what the client sends."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest
import requests

from widgets.api_call import api_call
from widgets.portal import PORTAL_API_URL, PortalClient
from widgets.replica import start_replica

RESOURCE = "19385b4e-5503-4330-9e59-f998f5918363"
CASES = [
    ("package_search", {"q": "vélo", "rows": 5}),
    ("package_search", {"fq": "organization:mamh", "facet_field": ["license_id"]}),
    (
        "datastore_search",
        {
            "resource_id": RESOURCE,
            "filters": {"regadm": "Montérégie (16)"},
            "fields": ["mcode", "munnom"],
            "limit": 3,
        },
    ),
    (
        "datastore_search_sql",
        {
            "sql": f'SELECT "munnom" FROM "{RESOURCE}" '
            "WHERE \"munnom\" = 'L''Isle-aux-Coudres' LIMIT 1"
        },
    ),
]


def _curl_query(command: str) -> tuple[str, dict[str, str]]:
    """Return the endpoint and the parameters a curl command would send."""
    words = shlex.split(command.replace("\\\n", " "))
    endpoint = words[2]
    query = {}
    for flag, value in zip(words[3::2], words[4::2], strict=True):
        assert flag == "--data-urlencode"
        name, _, text = value.partition("=")
        query[name] = text
    return endpoint, query


@pytest.fixture(scope="module")
def replica():
    handle = start_replica()
    yield handle
    handle.stop()


@pytest.mark.parametrize(("action", "params"), CASES)
def test_url_matches_client(action, params):
    call = api_call(action, language="en", **params)
    assert call.url == PortalClient(PORTAL_API_URL).url_for(action, **params)


def test_url_defaults_to_portal(monkeypatch):
    monkeypatch.setenv("DONNEESQC_API", "http://127.0.0.1:9/api/3/action/")
    call = api_call("package_list", language="fr")
    assert call.url == PORTAL_API_URL + "package_list"


def test_readable_url_keeps_accents():
    call = api_call(
        "datastore_search", language="fr", filters={"regadm": "Montérégie (16)"}
    )
    assert call.readable_url.endswith('filters={"regadm":"Montérégie (16)"}')


@pytest.mark.parametrize(("action", "params"), CASES)
def test_curl_command_round_trip(action, params):
    call = api_call(action, language="en", **params)
    endpoint, query = _curl_query(call.curl_command())
    assert endpoint == call.endpoint
    assert query == call.query


def test_html_escapes_values():
    call = api_call("package_search", language="en", q="<b>&")
    page = call.to_html()
    assert "<b>&" not in page
    assert "In the browser" in page


@pytest.mark.parametrize(("action", "params"), CASES)
def test_url_gets_client_result(replica, action, params):
    call = api_call(action, language="en", base_url=replica.api_url, **params)
    sent = requests.get(call.url, timeout=30).json()
    with PortalClient(replica.api_url, retries=0) as client:
        expected = client.call(action, params).result
    assert sent["result"] == expected


@pytest.mark.parametrize(("action", "params"), CASES)
def test_curl_command_runs(replica, action, params):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    call = api_call(action, language="en", base_url=replica.api_url, **params)
    completed = subprocess.run(
        ["bash", "-c", call.curl_command() + " --silent --max-time 30"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    with PortalClient(replica.api_url, retries=0) as client:
        expected = client.call(action, params).result
    assert json.loads(completed.stdout)["result"] == expected
