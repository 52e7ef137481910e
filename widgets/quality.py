"""Quality checks of a table and a service-level card that sums them up.

Five checks, each a function that takes plain values or a DataFrame:

- :func:`check_freshness`: is the file as recent as its declared update
  frequency (the portal's CKAN codes: hourly, daily, weekly, monthly, ...)
  promises?
- :func:`check_completeness`: the share of filled cells per column.
- :func:`check_duplicates`: repeated rows and repeated identifiers.
- :func:`check_types`: whether each column contains one kind of value.
- :func:`validate_schema`: validation against a Table Schema with
  frictionless (inferred from the data, or provided).

:func:`quality_card` runs them all and rates each one ``ok``, ``warning``,
``problem`` or ``unknown``, like the service levels that portals publish for
their reference datasets. :mod:`widgets.quality_card` renders the card.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from widgets.geo import parse_decimal
from widgets.i18n import pick

logger = logging.getLogger(__name__)

# Periods of the update_frequency codes of the Données Québec metadata schema.
FREQUENCY_PERIODS = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "fortnightly": timedelta(days=14),
    "monthly": timedelta(days=31),
    # NOTE: "bimonthly" is read as every two months (bimestriel); the schema
    # gives no label that settles it.
    "bimonthly": timedelta(days=62),
    "quarterly": timedelta(days=92),
    "semiannual": timedelta(days=183),
    "annual": timedelta(days=366),
    "biennial": timedelta(days=731),
    "triennial": timedelta(days=1096),
    "quinquennial": timedelta(days=1827),
    # NOTE: real-time ("continuous") feeds are held to an hourly period; the
    # portal states no delay for them.
    "continuous": timedelta(hours=1),
}
NON_PERIODIC = ("irregular", "notPlanned", "asNeeded", "archives")
FREQUENCY_LABELS = {
    "hourly": ("Horaire", "Hourly"),
    "daily": ("Quotidienne", "Daily"),
    "weekly": ("Hebdomadaire", "Weekly"),
    "fortnightly": ("Aux deux semaines", "Every two weeks"),
    "monthly": ("Mensuelle", "Monthly"),
    "bimonthly": ("Aux deux mois", "Every two months"),
    "quarterly": ("Trimestrielle", "Quarterly"),
    "semiannual": ("Semestrielle", "Twice a year"),
    "annual": ("Annuelle", "Yearly"),
    "biennial": ("Aux deux ans", "Every two years"),
    "triennial": ("Aux trois ans", "Every three years"),
    "quinquennial": ("Aux cinq ans", "Every five years"),
    "continuous": ("Temps réel", "Real time"),
    "irregular": ("Irrégulière", "Irregular"),
    "notPlanned": ("Non planifiée", "Not planned"),
    "asNeeded": ("Au besoin", "As needed"),
    "archives": ("Archives", "Archives"),
}
# A file older than its period is "due"; older than period × (1 + GRACE) it
# is "overdue".
GRACE = 0.5
STATUSES = ("ok", "warning", "problem", "unknown")
# Share of filled cells below which a column is listed as sparse.
SPARSE_COLUMN = 0.5
MAX_EXAMPLES = 3

KIND_PATTERNS = (
    ("integer", re.compile(r"^[+-]?\d+$")),
    ("decimal", re.compile(r"^[+-]?\d*\.\d+$")),
    ("decimal_comma", re.compile(r"^[+-]?\d+,\d+$")),
    ("date", re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?")),
    ("date_dmy", re.compile(r"^\d{2}/\d{2}/\d{4}( \d{2}:\d{2}(:\d{2})?)?$")),
    ("boolean", re.compile(r"^(true|false|oui|non|yes|no|vrai|faux)$", re.IGNORECASE)),
)
# Kinds that may share a column without making it inconsistent.
COMPATIBLE_KINDS = (
    frozenset({"integer", "decimal"}),
    frozenset({"integer", "decimal_comma"}),
)


@dataclass
class Freshness:
    """The freshness of a file against its declared update frequency."""

    status: str
    frequency: str | None
    last_modified: datetime | None
    today: datetime
    period: timedelta | None = None
    age: timedelta | None = None
    next_due: datetime | None = None

    @property
    def level(self) -> str:
        """The card status: fresh is ok, due a warning, overdue a problem."""
        return {"fresh": "ok", "due": "warning", "overdue": "problem"}.get(
            self.status, "unknown"
        )

    def message(self, language: str | None = None) -> str:
        """Return a sentence that explains the verdict, in ``language``."""
        label = frequency_label(self.frequency, language)
        if self.status == "unknown":
            if not self.frequency:
                return pick(
                    "Fraîcheur inconnue : la fréquence de mise à jour n'est pas déclarée.",
                    "Freshness unknown: the update frequency is not declared.",
                    language,
                )
            if self.last_modified is None:
                return pick(
                    "Fraîcheur inconnue : la date de dernière modification n'est pas connue.",
                    "Freshness unknown: the last-modified date is not known.",
                    language,
                )
            if self.age is not None and self.age < timedelta(0):
                return pick(
                    "Fraîcheur inconnue : la date de dernière modification est dans le futur.",
                    "Freshness unknown: the last-modified date is in the future.",
                    language,
                )
            return pick(
                f"Fraîcheur inconnue : fréquence de mise à jour « {label} » sans période fixe.",
                f"Freshness unknown: update frequency '{label}' has no fixed period.",
                language,
            )
        days = _age_text(self.age, language)
        due = self.next_due.date().isoformat() if self.next_due else "?"
        if self.status == "fresh":
            return pick(
                f"À jour : modifié il y a {days}, fréquence « {label} »; prochaine mise à "
                f"jour attendue vers le {due}.",
                f"Fresh: changed {days} ago, frequency '{label}'; next update expected "
                f"around {due}.",
                language,
            )
        if self.status == "due":
            return pick(
                f"Mise à jour attendue : modifié il y a {days}, fréquence « {label} » "
                f"(attendue vers le {due}).",
                f"Update due: changed {days} ago, frequency '{label}' (expected around {due}).",
                language,
            )
        return pick(
            f"En retard : modifié il y a {days}, alors que la fréquence est « {label} » "
            f"(attendue vers le {due}).",
            f"Overdue: changed {days} ago although the frequency is '{label}' "
            f"(expected around {due}).",
            language,
        )


@dataclass
class DuplicateReport:
    """Repeated rows and repeated identifiers in a table."""

    rows: int
    duplicate_rows: int
    key_duplicates: dict[str, int] = field(default_factory=dict)
    examples: list[int] = field(default_factory=list)

    @property
    def level(self) -> str:
        """ok with no repetition, problem above 1 % of rows, warning between."""
        worst = max([self.duplicate_rows, *self.key_duplicates.values()], default=0)
        if worst == 0:
            return "ok"
        if self.rows and worst / self.rows > 0.01:
            return "problem"
        return "warning"


@dataclass
class ColumnTypes:
    """The kinds of value met in one column."""

    column: str
    dominant: str
    share: float
    kinds: dict[str, int]
    consistent: bool
    examples: list[str] = field(default_factory=list)
    lost_separator: int = 0


@dataclass
class SchemaValidation:
    """The result of validating a table against a Table Schema."""

    valid: bool
    schema: dict
    inferred: bool
    rows: int
    error_counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    truncated: bool = False

    @property
    def error_total(self) -> int:
        """Number of errors found (capped by the error limit)."""
        return sum(self.error_counts.values())

    @property
    def level(self) -> str:
        """ok when valid, warning below 1 % of rows in error, problem above."""
        if self.valid:
            return "ok"
        if self.rows and self.error_total / self.rows < 0.01:
            return "warning"
        return "problem"


@dataclass
class QualityCard:
    """All checks of one table, each rated, and the overall service level."""

    title: str
    rows: int
    columns: int
    freshness: Freshness
    completeness: pd.DataFrame
    duplicates: DuplicateReport
    types: list[ColumnTypes]
    schema: SchemaValidation | None
    levels: dict[str, str]

    @property
    def overall_completeness(self) -> float:
        """Share of filled cells in the whole table."""
        total = self.completeness["filled"].sum() + self.completeness["missing"].sum()
        return float(self.completeness["filled"].sum() / total) if total else 0.0

    @property
    def service_level(self) -> str:
        """``"high"``, ``"medium"`` or ``"low"`` from the checks' levels.

        high: every check ok (an unknown freshness is allowed); low: at least
        one problem; medium otherwise.
        """
        values = [level for name, level in self.levels.items() if name != "freshness"]
        values.append(self.levels.get("freshness", "unknown"))
        if "problem" in values:
            return "low"
        if (
            all(level in ("ok", "unknown") for level in values)
            and values.count("unknown") <= 1
        ):
            return "high"
        return "medium"


def frequency_label(code: str | None, language: str | None = None) -> str:
    """Return the label of a CKAN ``update_frequency`` code in ``language``."""
    if not code:
        return pick("non déclarée", "not declared", language)
    labels = FREQUENCY_LABELS.get(code)
    if labels is None:
        return code
    return pick(labels[0], labels[1], language)


def check_freshness(
    last_modified: date | datetime | str | None,
    frequency: str | None,
    today: date | datetime | str | None = None,
) -> Freshness:
    """Compare a file's last-modified date with its declared update frequency.

    Parameters
    ----------
    last_modified
        When the file last changed (the portal's « Dernière modification »).
        A date counts as midnight; a naive date-time is read in the time zone
        of ``today`` (UTC when both are naive).
    frequency
        A CKAN ``update_frequency`` code such as ``"monthly"``.
    today
        The reference moment; now (UTC) by default. Pass it in tests.

    Returns
    -------
    Freshness
        ``status`` is ``"fresh"`` (age within the period), ``"due"`` (within
        the period plus half of it), ``"overdue"`` (older) or ``"unknown"``
        (no date, a date in the future, or a frequency without period).
    """
    now = _as_datetime(today) if today is not None else datetime.now(UTC)
    changed = (
        _as_datetime(last_modified, like=now) if last_modified is not None else None
    )
    if changed is not None and (changed.tzinfo is None) != (now.tzinfo is None):
        changed = changed.replace(tzinfo=now.tzinfo)
    period = FREQUENCY_PERIODS.get(frequency or "")
    result = Freshness(
        status="unknown",
        frequency=frequency,
        last_modified=changed,
        today=now,
        period=period,
    )
    if changed is None:
        return result
    result.age = now - changed
    if period is None or result.age < timedelta(0):
        return result
    result.next_due = changed + period
    if result.age <= period:
        result.status = "fresh"
    elif result.age <= period * (1 + GRACE):
        result.status = "due"
    else:
        result.status = "overdue"
    return result


def missing_mask(df: pd.DataFrame) -> pd.DataFrame:
    """Return a boolean frame: True where a cell is empty, blank or NaN."""
    blank = df.apply(
        lambda column: column.map(
            lambda value: isinstance(value, str) and not value.strip()
        )
    )
    return df.isna() | blank.astype(bool)


def check_completeness(df: pd.DataFrame) -> pd.DataFrame:
    """Return the filled and missing cells of each column.

    Empty strings and strings of spaces count as missing, like NaN.

    Returns
    -------
    DataFrame
        One row per column: ``column``, ``filled``, ``missing`` and
        ``completeness`` (share filled, 0 to 1), in the table's column order.
    """
    missing = missing_mask(df)
    counts = missing.sum()
    rows = len(df)
    return pd.DataFrame(
        {
            "column": [str(name) for name in df.columns],
            "filled": [int(rows - counts[name]) for name in df.columns],
            "missing": [int(counts[name]) for name in df.columns],
            "completeness": [
                (rows - counts[name]) / rows if rows else 0.0 for name in df.columns
            ],
        }
    )


def check_duplicates(
    df: pd.DataFrame, key_columns: list[str] | tuple[str, ...] = ()
) -> DuplicateReport:
    """Count repeated rows, and repeated values in identifier columns.

    Parameters
    ----------
    df
        The table.
    key_columns
        Columns that should identify a row. Missing values are not counted
        as repetitions. Columns absent from ``df`` are skipped.

    Returns
    -------
    DuplicateReport
        ``duplicate_rows`` counts the rows equal to an earlier one;
        ``examples`` contains the positions (0-based) of up to three of them.
    """
    repeated = df.duplicated(keep="first")
    report = DuplicateReport(rows=len(df), duplicate_rows=int(repeated.sum()))
    report.examples = [
        int(position) for position in repeated.to_numpy().nonzero()[0][:MAX_EXAMPLES]
    ]
    missing = missing_mask(df)
    for column in key_columns:
        if column not in df.columns:
            logger.info("Key column %r is not in the table; skipped", column)
            continue
        values = df.loc[~missing[column], column]
        report.key_duplicates[column] = int(values.duplicated(keep="first").sum())
    return report


def value_kind(value: object) -> str:
    """Return the kind of one cell: integer, decimal, date, boolean, text, ..."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "decimal"
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return "date"
    text = str(value).strip()
    for kind, pattern in KIND_PATTERNS:
        if pattern.match(text):
            return kind
    return "text"


def check_types(df: pd.DataFrame) -> list[ColumnTypes]:
    """Report, for each column, the kinds of value it contains.

    A column is consistent when all its filled cells share one kind, or
    kinds that go together (integers among decimals). Numbers whose decimal
    separator was lost in an export (7 digits where the other values have
    3 before the comma) are counted in ``lost_separator``.
    """
    missing = missing_mask(df)
    reports = []
    for column in df.columns:
        values = df.loc[~missing[column], column]
        kinds = Counter(value_kind(value) for value in values)
        if not kinds:
            reports.append(ColumnTypes(str(column), "empty", 1.0, {}, True))
            continue
        dominant, count = kinds.most_common(1)[0]
        consistent = len(kinds) == 1 or frozenset(kinds) in COMPATIBLE_KINDS
        if consistent and len(kinds) > 1:
            dominant = next(kind for kind in kinds if kind != "integer")
            count = sum(kinds.values())
        examples = []
        if not consistent:
            minority = values[[value_kind(value) != dominant for value in values]]
            examples = [str(value) for value in minority.unique()[:MAX_EXAMPLES]]
        lost = 0
        if "decimal_comma" in kinds:
            lost = parse_decimal(values).repaired
        reports.append(
            ColumnTypes(
                column=str(column),
                dominant=dominant,
                share=count / len(values),
                kinds=dict(kinds),
                consistent=consistent and lost == 0,
                examples=examples,
                lost_separator=lost,
            )
        )
    return reports


def types_level(reports: list[ColumnTypes]) -> str:
    """ok when every column is consistent, problem above 10 % of columns, warning between."""
    if not reports:
        return "unknown"
    inconsistent = sum(not report.consistent for report in reports)
    if inconsistent == 0:
        return "ok"
    if inconsistent / len(reports) > 0.1:
        return "problem"
    return "warning"


def completeness_level(completeness: pd.DataFrame) -> str:
    """ok at 95 % filled cells or more, warning from 80 %, problem below."""
    total = completeness["filled"].sum() + completeness["missing"].sum()
    if not total:
        return "unknown"
    share = completeness["filled"].sum() / total
    if share >= 0.95:
        return "ok"
    if share >= 0.80:
        return "warning"
    return "problem"


def validate_schema(
    df: pd.DataFrame, schema: dict | None = None, *, max_errors: int = 1000
) -> SchemaValidation:
    """Validate ``df`` against a Table Schema with frictionless.

    Parameters
    ----------
    df
        The table; cells may be text (read with ``dtype=str``) or typed.
    schema
        A Table Schema descriptor (``{"fields": [...]}``). None infers one
        from the data with frictionless's default sampling, so rows past the
        sample can still fail it.
    max_errors
        Stop after this many errors; ``truncated`` is True when that happened.

    Returns
    -------
    SchemaValidation
        The schema used, error counts by frictionless error type and the
        first errors (row number counted from the header row = 1, field,
        message).
    """
    from frictionless import Checklist, Resource, Schema

    header = [str(name) for name in df.columns]
    cells = df.astype(object).where(~df.isna(), None)
    rows = [
        [_cell_text(value) for value in row] for row in cells.itertuples(index=False)
    ]
    if schema is None:
        resource = Resource(data=[header, *rows])
        resource.infer()
        inferred = True
    else:
        resource = Resource(data=[header, *rows], schema=Schema.from_descriptor(schema))
        inferred = False
    used = resource.schema.to_descriptor()
    report = resource.validate(checklist=Checklist(), limit_errors=max_errors)
    task = report.tasks[0]
    counts = Counter(error.type for error in task.errors)
    errors = [
        {
            "type": error.type,
            "row": getattr(error, "row_number", None),
            "field": getattr(error, "field_name", None),
            "message": error.message,
        }
        for error in task.errors[: MAX_EXAMPLES * 5]
    ]
    return SchemaValidation(
        valid=bool(report.valid),
        schema=used,
        inferred=inferred,
        rows=len(df),
        error_counts=dict(counts),
        errors=errors,
        truncated=len(task.errors) >= max_errors,
    )


def quality_card(
    df: pd.DataFrame,
    *,
    title: str = "",
    frequency: str | None = None,
    last_modified: date | datetime | str | None = None,
    today: date | datetime | str | None = None,
    key_columns: list[str] | tuple[str, ...] = (),
    schema: dict | None = None,
    validate: bool = True,
) -> QualityCard:
    """Run every check on ``df`` and rate each one.

    Parameters
    ----------
    df
        The table.
    title
        The dataset's title, shown on the card.
    frequency, last_modified, today
        See :func:`check_freshness`.
    key_columns
        Identifier columns for :func:`check_duplicates`.
    schema
        A Table Schema; None infers one.
    validate
        Run the Table Schema validation (the slowest check).
    """
    freshness = check_freshness(last_modified, frequency, today)
    completeness = check_completeness(df)
    duplicates = check_duplicates(df, key_columns)
    types = check_types(df)
    validation = validate_schema(df, schema) if validate else None
    levels = {
        "freshness": freshness.level,
        "completeness": completeness_level(completeness),
        "duplicates": duplicates.level,
        "types": types_level(types),
        "schema": validation.level if validation else "unknown",
    }
    return QualityCard(
        title=title,
        rows=len(df),
        columns=len(df.columns),
        freshness=freshness,
        completeness=completeness,
        duplicates=duplicates,
        types=types,
        schema=validation,
        levels=levels,
    )


def _cell_text(value: object) -> object:
    """Return a cell as frictionless reads it from a CSV file: text or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    return str(value)


def _as_datetime(
    value: date | datetime | str, like: datetime | None = None
) -> datetime:
    """Return ``value`` as a datetime (a date is midnight)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if like is not None and value.tzinfo is not None and like.tzinfo is not None:
        value = value.astimezone(like.tzinfo)
    return value


def _age_text(age: timedelta | None, language: str | None) -> str:
    """Return an age as "5 heures" / "3 days" in ``language``."""
    if age is None:
        return "?"
    if age < timedelta(days=2):
        hours = round(age.total_seconds() / 3600)
        return pick(f"{hours} heure(s)", f"{hours} hour(s)", language)
    return pick(f"{age.days} jours", f"{age.days} days", language)
