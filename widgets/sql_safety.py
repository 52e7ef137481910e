"""Validation of the SQL that the replica's ``datastore_search_sql`` accepts.

The portal's CKAN accepts one read-only ``SELECT`` over datastore tables,
named by their resource id in double quotes. The replica runs such queries
on DuckDB, so it parses every query with DuckDB's own parser and walks the
syntax tree that ``json_serialize_sql`` returns. A query passes only when:

- it is exactly one statement, and that statement is a ``SELECT``
  (``WITH ... SELECT``, ``UNION`` and subqueries included);
- every table it reads is a registered resource, the ``_table_metadata``
  table or a common table expression that the query itself defines;
- every function it calls is on :data:`ALLOWED_FUNCTIONS`, and it calls no
  table function (``read_csv``, ``glob``, ``range``, ``query`` ...);
- every node of the tree is of a kind listed here, so a construct that this
  module does not know about is rejected rather than let through.

Statements such as ``ATTACH``, ``COPY``, ``PRAGMA``, ``SET``, ``INSTALL`` or
``LOAD`` fail the first rule. As a second line of defense, the replica runs
queries on a DuckDB database with external access disabled and its
configuration locked, under a memory limit, a time limit and a row cap. A gap
in this check therefore still does not open the file system or the network.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import duckdb

from widgets.ckan_errors import ActionNotAuthorized, ActionValidationError

logger = logging.getLogger(__name__)

METADATA_TABLE = "_table_metadata"

# Expression classes of DuckDB's serialized syntax tree that may appear.
ALLOWED_EXPRESSION_CLASSES = frozenset(
    {
        "BETWEEN",
        "CASE",
        "CAST",
        "COLLATE",
        "COLUMN_REF",
        "COMPARISON",
        "CONJUNCTION",
        "CONSTANT",
        "FUNCTION",
        "LAMBDA",
        "OPERATOR",
        "POSITIONAL_REFERENCE",
        "STAR",
        "SUBQUERY",
        "TYPE",
        "WINDOW",
    }
)

# Other node types: query nodes, table references, modifiers, orderings.
ALLOWED_NODE_TYPES = frozenset(
    {
        "SELECT_NODE",
        "SET_OPERATION_NODE",
        "RECURSIVE_CTE_NODE",
        "CTE_NODE",
        "BASE_TABLE",
        "JOIN",
        "SUBQUERY",
        "EMPTY",
        "EXPRESSION_LIST",
        "ORDER_MODIFIER",
        "LIMIT_MODIFIER",
        "LIMIT_PERCENT_MODIFIER",
        "DISTINCT_MODIFIER",
        "ASCENDING",
        "DESCENDING",
        "ORDER_DEFAULT",
    }
)

# Functions and operators a query may call. Everything else is rejected, as
# CKAN rejects any function missing from its allowed-functions file.
ALLOWED_FUNCTIONS = frozenset(
    {
        # operators, as DuckDB's parser names them
        "+", "-", "*", "/", "//", "%", "**", "^", "||",
        "~~", "!~~", "~~*", "!~~*", "~~~", "!~~~",
        "like_escape", "not_like_escape", "ilike_escape", "not_ilike_escape",
        "regexp_full_match", "list_value", "struct_pack", "row",
        # aggregates
        "count", "count_star", "sum", "avg", "mean", "min", "max", "median",
        "mode", "quantile", "quantile_cont", "quantile_disc", "stddev",
        "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
        "corr", "covar_pop", "covar_samp", "string_agg", "group_concat",
        "list", "array_agg", "first", "last", "any_value", "arg_min",
        "arg_max", "argmin", "argmax", "min_by", "max_by", "bool_and",
        "bool_or", "approx_count_distinct", "histogram", "product",
        "regr_slope", "regr_intercept", "regr_r2", "regr_count",
        # window functions
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
        "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
        # text
        "lower", "upper", "lcase", "ucase", "length", "char_length",
        "character_length", "strlen", "trim", "ltrim", "rtrim", "substr",
        "substring", "replace", "concat", "concat_ws", "strpos", "instr",
        "position", "starts_with", "ends_with", "contains", "prefix",
        "suffix", "left", "right", "lpad", "rpad", "reverse",
        "split_part", "string_split", "str_split", "regexp_matches",
        "regexp_replace", "regexp_extract", "regexp_split_to_array",
        "strip_accents", "unaccent", "initcap", "format", "printf",
        "ascii", "chr", "md5", "hash", "levenshtein", "jaro_winkler_similarity",
        "nfc_normalize", "translate", "array_to_string", "list_aggregate",
        # numbers
        "abs", "round", "floor", "ceil", "ceiling", "trunc", "sqrt", "cbrt",
        "power", "pow", "exp", "ln", "log", "log2", "log10", "sign", "mod",
        "greatest", "least", "pi", "degrees", "radians", "sin", "cos",
        "tan", "asin", "acos", "atan", "atan2", "isnan", "isfinite",
        "isinf", "even", "factorial", "gcd", "lcm",
        # dates and times
        "date_part", "datepart", "date_trunc", "datetrunc", "date_diff",
        "datediff", "date_sub", "datesub", "date_add", "strftime",
        "strptime", "try_strptime", "year", "month", "day", "hour",
        "minute", "second", "dayofweek", "dayofyear", "dayofmonth", "week",
        "weekofyear", "weekday", "quarter", "isodow", "isoyear", "epoch",
        "make_date", "make_timestamp", "make_time", "age", "last_day",
        "dayname", "monthname", "to_timestamp", "current_date",
        "to_years", "to_months", "to_weeks", "to_days", "to_hours",
        "to_minutes", "to_seconds", "to_milliseconds", "time_bucket",
        # conditionals and lists
        "coalesce", "nullif", "ifnull", "if", "typeof", "unnest",
        "list_extract", "list_element", "array_extract", "list_contains",
        "array_contains", "list_has", "len", "array_length", "list_sort",
        "list_distinct", "list_transform", "list_filter", "list_slice",
        "array_slice", "generate_subscripts",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed :func:`check_select`."""

    sql: str
    tables: frozenset[str]
    functions: frozenset[str]


def check_select(
    sql: object, resource_ids: set[str] | frozenset[str], *, max_length: int = 20_000
) -> CheckedQuery:
    """Check that ``sql`` is one read-only SELECT over registered resources.

    Parameters
    ----------
    sql
        The query text sent by the client.
    resource_ids
        The table names the query may read (datastore resource ids).
    max_length
        Maximum query length in characters.

    Returns
    -------
    CheckedQuery
        The query text without its trailing semicolons, with the tables and
        functions it uses.

    Raises
    ------
    ActionValidationError
        If the query is empty, too long, does not parse, is not a single
        SELECT, or reads a table that does not exist (CKAN's 409 errors).
    ActionNotAuthorized
        If the query calls a function or a table function that is not
        allowed, or reads system tables (CKAN's 403 errors).
    """
    if not isinstance(sql, str) or not sql.strip():
        raise ActionValidationError({"sql": ["Missing value"]})
    if len(sql) > max_length:
        raise ActionValidationError(
            {
                "query": [
                    f"Query is too long: {len(sql)} characters, maximum {max_length}."
                ]
            }
        )

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise _invalid_query(sql, error) from error
    if len(statements) != 1:
        raise ActionValidationError({"query": ["Query is not a single statement."]})
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise ActionValidationError(
            {
                "query": [
                    f"Only SELECT statements are allowed, not {statement.type.name}.",
                ]
            }
        )

    query = statement.query.strip().rstrip(";").strip()
    tree = _syntax_tree(query)
    walker = _TreeWalker(
        frozenset(rid.lower() for rid in resource_ids) | {METADATA_TABLE}
    )
    walker.visit(tree)
    return CheckedQuery(
        sql=query,
        tables=frozenset(walker.tables),
        functions=frozenset(walker.functions),
    )


def _syntax_tree(query: str) -> list:
    """Parse ``query`` with DuckDB and return its serialized statements."""
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as parser:
        (text,) = parser.execute("SELECT json_serialize_sql(?)", [query]).fetchone()
    serialized = json.loads(text)
    if serialized.get("error"):
        message = serialized.get("error_message", "syntax error")
        raise ActionValidationError({"query": [message], "info": {"orig": [message]}})
    return serialized["statements"]


def _invalid_query(sql: str, error: Exception) -> ActionValidationError:
    """Build CKAN's validation error for a query DuckDB could not parse."""
    message = str(error).splitlines()[0]
    return ActionValidationError(
        {"query": [message], "info": {"statement": [sql], "orig": [str(error)]}}
    )


class _TreeWalker:
    """Collect the tables and functions of a serialized query, rejecting others."""

    def __init__(self, allowed_tables: frozenset[str]) -> None:
        self.allowed_tables = allowed_tables
        self.tables: set[str] = set()
        self.functions: set[str] = set()

    def visit(self, node: object, visible_ctes: frozenset[str] = frozenset()) -> None:
        """Check ``node`` and its children; ``visible_ctes`` are the CTE names in scope."""
        if isinstance(node, list):
            for item in node:
                self.visit(item, visible_ctes)
            return
        if not isinstance(node, dict):
            return

        # A WITH clause makes its names readable inside the node that contains it.
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names = {
                str(entry.get("key", "")).lower() for entry in cte_map.get("map", [])
            }
            visible_ctes = visible_ctes | names

        if "class" in node:
            self._visit_expression(node)
        elif isinstance(node.get("type"), str):
            self._visit_node(node, visible_ctes)
        for value in node.values():
            self.visit(value, visible_ctes)

    def _visit_expression(self, node: dict) -> None:
        kind = node["class"]
        if kind not in ALLOWED_EXPRESSION_CLASSES:
            raise ActionValidationError(
                {"query": [f"Expression {kind} is not supported."]}
            )
        if kind == "FUNCTION":
            self._check_function(node)

    def _visit_node(self, node: dict, visible_ctes: frozenset[str]) -> None:
        kind = node["type"]
        if kind == "TABLE_FUNCTION":
            function = node.get("function", {})
            name = (
                function.get("function_name", "?")
                if isinstance(function, dict)
                else "?"
            )
            raise ActionNotAuthorized(
                f"Not authorized to call function {_shorten(name)}"
            )
        if kind == "SHOW_REF":
            raise ActionNotAuthorized("Not authorized to access system tables")
        if kind not in ALLOWED_NODE_TYPES:
            raise ActionValidationError(
                {"query": [f"{kind} is not supported in this query."]}
            )
        if kind == "BASE_TABLE":
            self._check_table(node, visible_ctes)

    def _check_table(self, node: dict, visible_ctes: frozenset[str]) -> None:
        if node.get("schema_name") or node.get("catalog_name"):
            raise ActionNotAuthorized("Not authorized to access system tables")
        if node.get("at_clause"):
            raise ActionValidationError({"query": ["AT clauses are not supported."]})
        name = str(node.get("table_name", "")).lower()
        if name in visible_ctes:
            return
        if name not in self.allowed_tables:
            raise ActionValidationError(
                {"query": [f'relation "{_shorten(name)}" does not exist']}
            )
        self.tables.add(name)

    def _check_function(self, node: dict) -> None:
        name = str(node.get("function_name", "")).lower()
        if node.get("schema") or node.get("catalog") or name not in ALLOWED_FUNCTIONS:
            raise ActionNotAuthorized(
                f"Not authorized to call function {_shorten(name)}"
            )
        self.functions.add(name)


def _shorten(text: str, limit: int = 80) -> str:
    """Cut user-supplied ``text`` that goes into an error message."""
    return text if len(text) <= limit else text[:limit] + "..."
