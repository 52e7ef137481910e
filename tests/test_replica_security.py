"""Attacks on the replica through every parameter, each rejected in CKAN's error shape."""

from __future__ import annotations

import json
import socket

import pandas as pd
import pytest
import requests

from widgets.ckan_catalog import resource_id_for
from widgets.ckan_errors import ActionNotAuthorized, ActionValidationError
from widgets.datastore import ROWS_MAX
from widgets.fetch import fetch
from widgets.registry import get_dataset
from widgets.replica import start_replica
from widgets.sql_safety import check_select

REPERTOIRE = get_dataset("repertoire-municipalites")
RID = REPERTOIRE.resource_id
VELOS_RID = resource_id_for(get_dataset("velos-comptage-2019"))
REJECTED_TYPES = {"Validation Error", "Authorization Error"}

FORBIDDEN_SQL = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM read_json('/etc/hostname')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SELECT * FROM read_csv('https://example.com/data.csv')",
    "SELECT * FROM query('SELECT 42')",
    "SELECT * FROM range(10)",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM system.main.duckdb_tables",
    "SELECT current_setting('memory_limit')",
    "SELECT getenv('HOME')",
    "SELECT getvariable('x')",
    "SHOW TABLES",
    'DESCRIBE "_table_metadata"',
    'SUMMARIZE "_table_metadata"',
    "ATTACH '/tmp/other.db' AS other",
    "DETACH other",
    "PRAGMA database_list",
    "COPY \"_table_metadata\" TO '/tmp/out.csv'",
    "EXPORT DATABASE '/tmp/out'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET memory_limit",
    "CREATE TABLE t AS SELECT 1",
    "CREATE MACRO m() AS 1",
    'DROP TABLE "_table_metadata"',
    'DELETE FROM "_table_metadata"',
    "INSERT INTO \"_table_metadata\" VALUES (1, NULL, 'x', 1)",
    "UPDATE \"_table_metadata\" SET name = 'x'",
    "CALL pragma_version()",
    "SELECT 1; SELECT 2",
    'SELECT 1; DROP TABLE "_table_metadata"',
    'WITH t AS (SELECT 1) SELECT * FROM t; DELETE FROM "_table_metadata"',
    "WITH x AS (SELECT 1) SELECT * FROM x, duckdb_tables",
    "SELECT * FROM nulle_part",
    "SELECT $1",
    "",
]


@pytest.fixture(scope="module")
def replica():
    handle = start_replica()
    yield handle
    handle.stop()


def assert_rejected(response: requests.Response, statuses: set[int]) -> dict:
    """Check CKAN's error envelope and return its error object."""
    body = response.json()
    assert response.status_code in statuses, response.text
    assert body["success"] is False
    assert "help" in body
    return body["error"]


def get(replica, action: str, **params) -> requests.Response:
    return requests.get(replica.api_url + action, params=params, timeout=30)


def table_total(replica, resource_id: str) -> int:
    return get(replica, "datastore_search", resource_id=resource_id, limit=0).json()[
        "result"
    ]["total"]


@pytest.mark.parametrize("sql", FORBIDDEN_SQL)
def test_sql_rejected(replica, sql):
    error = assert_rejected(get(replica, "datastore_search_sql", sql=sql), {403, 409})
    assert error["__type"] in REJECTED_TYPES


@pytest.mark.parametrize("sql", FORBIDDEN_SQL[:12])
def test_sql_file_access_is_403(replica, sql):
    error = assert_rejected(get(replica, "datastore_search_sql", sql=sql), {403, 409})
    assert (
        error["__type"] == "Authorization Error"
        or "does not exist" in error["query"][0]
    )


def test_sql_post_body_rejected(replica):
    body = {"sql": "SELECT * FROM read_csv('/etc/passwd')"}
    response = requests.post(
        replica.api_url + "datastore_search_sql", json=body, timeout=10
    )
    assert_rejected(response, {403})


def test_sql_extra_parameter_rejected(replica):
    response = get(replica, "datastore_search_sql", sql="SELECT 1", resource_id=RID)
    assert "__junk" in assert_rejected(response, {409})


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT munnom FROM \"{RID}\" WHERE regadm = 'Montérégie (16)'",
        f'WITH m AS (SELECT * FROM "{RID}") SELECT count(*) FROM m',
        f'SELECT a.munnom FROM "{RID}" a JOIN "{RID}" b ON a._id = b._id LIMIT 3',
        f'SELECT regadm, rank() OVER (ORDER BY mpopul DESC) FROM "{RID}" LIMIT 3',
        f'SELECT munnom FROM "{RID}" UNION SELECT name FROM "_table_metadata"',
        "SELECT 1;",
    ],
)
def test_sql_reads_allowed(replica, sql):
    response = get(replica, "datastore_search_sql", sql=sql)
    assert response.status_code == 200, response.text


def test_sql_row_cap(replica):
    sql = f'SELECT a._id FROM "{VELOS_RID}" a, "{VELOS_RID}" b LIMIT {ROWS_MAX + 5000}'
    result = get(replica, "datastore_search_sql", sql=sql).json()["result"]
    assert result["records_truncated"] is True
    assert len(result["records"]) == ROWS_MAX


def test_sql_time_limit(replica):
    replica.server.replica.datastore.query_timeout = 0.5
    try:
        sql = f'SELECT count(*) FROM "{VELOS_RID}" a, "{VELOS_RID}" b, "{VELOS_RID}" c'
        error = assert_rejected(get(replica, "datastore_search_sql", sql=sql), {409})
    finally:
        replica.server.replica.datastore.query_timeout = 10.0
    assert error["query"] == ["Query took too long"]


@pytest.mark.parametrize(
    "q",
    [
        "zzqx') OR 1=1 --",
        'zzqx\'; DROP TABLE "_table_metadata"; --',
        'zzqx" OR ""="',
    ],
)
def test_q_is_plain_text(replica, q):
    # The nonsense word matches no row, so any total above 0 means injected SQL ran.
    result = get(replica, "datastore_search", resource_id=RID, q=q, limit=0).json()[
        "result"
    ]
    assert result["total"] == 0


@pytest.mark.parametrize(
    "q",
    [
        json.dumps({"munnom\" = '' OR 1=1 --": "x"}),
        json.dumps({"munnom": ["liste"]}),
    ],
)
def test_q_dict_rejected(replica, q):
    error = assert_rejected(
        get(replica, "datastore_search", resource_id=RID, q=q), {409}
    )
    assert "q" in error


@pytest.mark.parametrize(
    "filters",
    [
        {"regadm\" = 'x' OR 1=1 --": "a"},
        {"regadm": {"$or": [1]}},
        {"_full_text": "x"},
        {"*": "x"},
    ],
)
def test_filter_keys_rejected(replica, filters):
    response = get(
        replica, "datastore_search", resource_id=RID, filters=json.dumps(filters)
    )
    assert "filters" in assert_rejected(response, {409})


def test_filter_not_json_rejected(replica):
    response = get(replica, "datastore_search", resource_id=RID, filters="{regadm: x")
    assert "filters" in assert_rejected(response, {409})


def test_filter_value_is_parameter(replica):
    filters = json.dumps({"regadm": "x' OR '1'='1"})
    result = get(replica, "datastore_search", resource_id=RID, filters=filters).json()
    assert result["result"]["total"] == 0


def test_filter_bad_number_rejected(replica):
    filters = json.dumps({"mpopul": "1; DROP TABLE x"})
    response = get(replica, "datastore_search", resource_id=RID, filters=filters)
    assert "query" in assert_rejected(response, {409})


@pytest.mark.parametrize(
    "sort",
    [
        "mpopul; DROP TABLE x",
        "mpopul desc, (SELECT 1)",
        '"mpopul" desc --',
        "mpopul sideways",
        "_full_text",
        "1",
    ],
)
def test_sort_rejected(replica, sort):
    response = get(replica, "datastore_search", resource_id=RID, sort=sort)
    assert "sort" in assert_rejected(response, {409})


def test_sort_quoted_name_accepted(replica):
    response = get(
        replica, "datastore_search", resource_id=RID, sort='"mpopul" desc', limit=1
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "fields", ["mcode, (SELECT 1)", "*", "_full_text", 'mcode" FROM x --']
)
def test_fields_rejected(replica, fields):
    response = get(replica, "datastore_search", resource_id=RID, fields=fields)
    assert "fields" in assert_rejected(response, {409})


@pytest.mark.parametrize(
    "resource_id",
    [
        f'{RID}"; DROP TABLE "{RID}',
        f'{RID}" UNION SELECT 1 --',
        "../../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        "_table_metadata",
        RID.upper(),
        "x" * 5000,
    ],
)
def test_resource_id_not_found(replica, resource_id):
    response = get(replica, "datastore_search", resource_id=resource_id)
    error = assert_rejected(response, {404})
    assert error["__type"] == "Not Found Error"


@pytest.mark.parametrize("package_id", ["../../etc/passwd", "' OR 1=1 --"])
def test_package_id_not_found(replica, package_id):
    assert_rejected(get(replica, "package_show", id=package_id), {404})


def test_path_traversal_in_action(replica):
    response = requests.get(
        f"{replica.url}/api/3/action/..%2F..%2Fetc%2Fpasswd", timeout=10
    )
    assert response.status_code in (400, 404)


def test_path_traversal_in_url(replica):
    response = requests.get(
        f"{replica.url}/api/3/action/../../../etc/passwd", timeout=10
    )
    assert response.status_code == 404


@pytest.mark.parametrize("limit", [-1, "abc", "1.5", 10**30, "1; DROP TABLE x"])
def test_invalid_limit_rejected(replica, limit):
    response = get(replica, "datastore_search", resource_id=RID, limit=limit)
    assert "limit" in assert_rejected(response, {409})


@pytest.mark.parametrize("offset", [-5, "x", 10**30])
def test_invalid_offset_rejected(replica, offset):
    response = get(replica, "datastore_search", resource_id=RID, offset=offset)
    assert "offset" in assert_rejected(response, {409})


def test_oversized_limit_is_capped(replica):
    result = get(replica, "datastore_search", resource_id=RID, limit=10**12).json()[
        "result"
    ]
    assert result["limit"] == ROWS_MAX


def test_package_search_rows_rejected(replica):
    response = get(replica, "package_search", rows="-1")
    assert "rows" in assert_rejected(response, {409})


def test_oversized_body_rejected(replica):
    body = b'{"sql": "' + b"x" * 2_000_000 + b'"}'
    response = requests.post(
        replica.api_url + "datastore_search_sql",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400


def test_body_not_object_rejected(replica):
    response = requests.post(replica.api_url + "package_list", json=["x"], timeout=10)
    assert response.status_code == 400


def test_tables_intact_after_attacks(replica):
    source = pd.read_csv(fetch(REPERTOIRE.id), encoding=REPERTOIRE.encoding, dtype=str)
    for sql in FORBIDDEN_SQL:
        get(replica, "datastore_search_sql", sql=sql)
    assert table_total(replica, RID) == len(source)
    names = get(
        replica, "datastore_search_sql", sql='SELECT name FROM "_table_metadata"'
    )
    assert RID in {record["name"] for record in names.json()["result"]["records"]}


def test_socket_bound_to_loopback(replica):
    assert replica.server.socket.getsockname()[0] == "127.0.0.1"


def test_not_reachable_on_other_address(replica):
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    others = [a for a in addresses if not a.startswith("127.") and ":" not in a]
    if not others:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with pytest.raises(OSError):
        socket.create_connection((others[0], replica.port), timeout=2).close()


def test_start_replica_rejects_other_host():
    with pytest.raises(ValueError):
        start_replica(host="0.0.0.0")


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT 1 FROM "t" AT (VERSION => 1)',
        "SELECT lpad('x', 3, 'y') FROM read_csv('a')",
        "SELECT * FROM (SELECT * FROM glob('*'))",
        "SELECT (SELECT count(*) FROM duckdb_tables())",
        "SELECT main.lower('x')",
    ],
)
def test_checker_rejects_nested_access(sql):
    with pytest.raises((ActionNotAuthorized, ActionValidationError)):
        check_select(sql, {"t"})
