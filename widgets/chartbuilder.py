"""Build a chart from a table, with the code that draws it and its alt text.

The learner picks a column for x, a column for y, an aggregation and a
mark. :func:`build_chart` returns the altair chart; :func:`chart_code`
returns pandas + altair code that, run with the table bound to ``df``,
draws the same chart (the same Vega-Lite spec), so the learner can copy it
into a notebook; :func:`alt_text` describes the chart in French or English
for screen readers; :func:`export_png` and :func:`export_svg` render it with
vl-convert, with no browser and no network.

The data steps are written once, as lines of code in :func:`_data_steps`:
:func:`prepare_data` runs those very lines, so the code shown and the
chart drawn cannot drift apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import altair as alt
import pandas as pd
import vl_convert

from widgets.errors import CourseError
from widgets.i18n import check_language, pick

logger = logging.getLogger(__name__)

AGGREGATIONS = ("none", "count", "sum", "mean", "median", "min", "max")
MARKS = ("bar", "line", "point", "area")
COUNT_FIELD = "nombre_de_lignes"
WIDTH = 560
HEIGHT = 320
MAX_TOP = 500
# Points above which a chart needs an aggregation or a "top" limit: a larger
# SVG grows past a few megabytes and slows the page.
MAX_POINTS = 5000
AGGREGATION_LABELS = {
    "none": ("", ""),
    "count": ("Nombre de lignes", "Number of rows"),
    "sum": ("Somme de", "Sum of"),
    "mean": ("Moyenne de", "Mean of"),
    "median": ("Médiane de", "Median of"),
    "min": ("Minimum de", "Minimum of"),
    "max": ("Maximum de", "Maximum of"),
}
# Periods a date column can be grouped by, with the pandas code that maps
# each date to the start of its period (weeks start on Monday).
DATE_GROUPS = {
    "day": ".dt.floor('D')",
    "week": ".dt.to_period('W-SUN').dt.start_time",
    "month": ".dt.to_period('M').dt.start_time",
}
DATE_GROUP_LABELS = {
    "day": ("par jour", "by day"),
    "week": ("par semaine", "by week"),
    "month": ("par mois", "by month"),
}
MARK_LABELS = {
    "bar": ("Diagramme à barres", "Bar chart"),
    "line": ("Graphique linéaire", "Line chart"),
    "point": ("Nuage de points", "Scatter plot"),
    "area": ("Graphique en aires", "Area chart"),
}


class ChartError(CourseError, ValueError):
    """A chart that cannot be built from the choices made."""


@dataclass(frozen=True)
class ChartSpec:
    """The learner's choices for one chart.

    ``y`` is ignored for the ``"count"`` aggregation. ``x_is_date`` parses x
    as dates (day first, as in 31/12/2019). ``date_group`` (``"day"``,
    ``"week"`` or ``"month"``, dates only) replaces each date by the start of
    its period before aggregating, so a file of 15-minute counts becomes one
    point per day, week or month. ``top`` keeps the largest values only (bar
    and point charts).
    """

    x: str
    y: str | None = None
    aggregate: str = "sum"
    mark: str = "bar"
    x_is_date: bool = False
    date_group: str | None = None
    top: int | None = None
    title: str = ""

    @property
    def y_field(self) -> str:
        """The name of the y column in the prepared data."""
        if self.aggregate == "count":
            return COUNT_FIELD
        return str(self.y)


def check_spec(df: pd.DataFrame, spec: ChartSpec) -> None:
    """Raise :class:`ChartError` when ``spec`` cannot be drawn from ``df``."""
    columns = ", ".join(map(str, df.columns))
    if spec.x not in df.columns:
        raise ChartError(
            fr=f"Colonne x introuvable : {spec.x!r}. Colonnes : {columns}.",
            en=f"Column x not found: {spec.x!r}. Columns: {columns}.",
        )
    if spec.aggregate not in AGGREGATIONS:
        raise ChartError(
            fr=f"Agrégation inconnue : {spec.aggregate!r}. Choix : {', '.join(AGGREGATIONS)}.",
            en=f"Unknown aggregation: {spec.aggregate!r}. Choices: {', '.join(AGGREGATIONS)}.",
        )
    if spec.mark not in MARKS:
        raise ChartError(
            fr=f"Type de graphique inconnu : {spec.mark!r}. Choix : {', '.join(MARKS)}.",
            en=f"Unknown chart type: {spec.mark!r}. Choices: {', '.join(MARKS)}.",
        )
    if spec.aggregate != "count" and spec.y not in df.columns:
        raise ChartError(
            fr=f"Colonne y introuvable : {spec.y!r}. Choisissez une colonne numérique ou "
            "l'agrégation « nombre de lignes ».",
            en=f"Column y not found: {spec.y!r}. Choose a numeric column or the "
            "'number of rows' aggregation.",
        )
    if spec.aggregate != "count" and spec.x == spec.y:
        raise ChartError(
            fr="Choisissez deux colonnes différentes pour x et y.",
            en="Choose two different columns for x and y.",
        )
    if spec.date_group is not None and spec.date_group not in DATE_GROUPS:
        raise ChartError(
            fr=f"Regroupement de dates inconnu : {spec.date_group!r}. Choix : "
            f"{', '.join(DATE_GROUPS)}.",
            en=f"Unknown date grouping: {spec.date_group!r}. Choices: "
            f"{', '.join(DATE_GROUPS)}.",
        )
    if spec.date_group is not None and not (
        spec.x_is_date or pd.api.types.is_datetime64_any_dtype(df[spec.x])
    ):
        raise ChartError(
            fr=f"Regrouper par jour, semaine ou mois demande des dates en x : cochez "
            f"« x contient des dates » ou choisissez une colonne de dates, pas {spec.x!r}.",
            en=f"Grouping by day, week or month needs dates on x: tick 'x holds dates' "
            f"or choose a date column, not {spec.x!r}.",
        )
    if spec.top is not None and not 1 <= spec.top <= MAX_TOP:
        raise ChartError(
            fr=f"Nombre de valeurs à garder invalide : {spec.top!r} (de 1 à {MAX_TOP}).",
            en=f"Invalid number of values to keep: {spec.top!r} (1 to {MAX_TOP}).",
        )


def prepare_data(df: pd.DataFrame, spec: ChartSpec) -> pd.DataFrame:
    """Return the table the chart draws: selected, converted, aggregated, sorted."""
    check_spec(df, spec)
    namespace = {"df": df, "pd": pd}
    exec("\n".join(_data_steps(df, spec)), namespace)  # noqa: S102 - code built here
    return namespace["data"]


def build_chart(
    df: pd.DataFrame,
    spec: ChartSpec,
    language: str | None = None,
    *,
    max_points: int | None = MAX_POINTS,
) -> alt.Chart:
    """Return the altair chart for ``spec``, with titles in ``language``.

    Raises
    ------
    ChartError
        If the choices do not fit the table, or the chart would have more
        than ``max_points`` points (None for no limit).
    """
    language = check_language(language)
    data = prepare_data(df, spec)
    if max_points is not None and len(data) > max_points:
        raise ChartError(
            fr=f"Trop de points à dessiner : {len(data)} (maximum {max_points}). Choisissez "
            "une agrégation (somme, moyenne, nombre de lignes), regroupez les dates par jour, "
            "semaine ou mois, ou gardez moins de valeurs.",
            en=f"Too many points to draw: {len(data)} (maximum {max_points}). Choose an "
            "aggregation (sum, mean, number of rows), group dates by day, week or month, "
            "or keep fewer values.",
        )
    x_type, y_title = _x_type(data, spec), _y_title(spec, language)
    sort = "-y" if x_type == "nominal" and spec.mark == "bar" else "ascending"
    chart = alt.Chart(data)
    chart = getattr(chart, f"mark_{spec.mark}")(tooltip=True)
    chart = chart.encode(
        x=alt.X(field=_field(spec.x), type=x_type, title=spec.x, sort=sort),
        y=alt.Y(field=_field(spec.y_field), type="quantitative", title=y_title),
    )
    return chart.properties(title=_title(spec, language), width=WIDTH, height=HEIGHT)


def chart_code(df: pd.DataFrame, spec: ChartSpec, language: str | None = None) -> str:
    """Return pandas + altair code that draws :func:`build_chart`'s chart.

    Run with the table bound to ``df``, the code leaves the chart in
    ``chart``, with a spec equal to ``build_chart(df, spec).to_dict()``.
    """
    language = check_language(language)
    check_spec(df, spec)
    data = prepare_data(df, spec)
    x_type, y_title = _x_type(data, spec), _y_title(spec, language)
    sort = "-y" if x_type == "nominal" and spec.mark == "bar" else "ascending"
    lines = [
        "import altair as alt",
        "import pandas as pd",
        "",
        pick(
            "# df : le tableau lu avec pandas",
            "# df: the table read with pandas",
            language,
        ),
        *_data_steps(df, spec),
        "",
        "chart = (",
        "    alt.Chart(data)",
        f"    .mark_{spec.mark}(tooltip=True)",
        "    .encode(",
        (
            f"        x=alt.X(field={_field(spec.x)!r}, type={x_type!r}, "
            f"title={spec.x!r}, sort={sort!r}),"
        ),
        (
            f"        y=alt.Y(field={_field(spec.y_field)!r}, type='quantitative', "
            f"title={y_title!r}),"
        ),
        "    )",
        f"    .properties(title={_title(spec, language)!r}, width={WIDTH}, height={HEIGHT})",
        ")",
        "chart",
    ]
    return "\n".join(lines) + "\n"


def alt_text(df: pd.DataFrame, spec: ChartSpec, language: str | None = None) -> str:
    """Describe the chart in a few sentences, for screen readers.

    The description names the mark, the axes and the aggregation, the number
    of points, and the three largest values (or the range for dates and
    numbers on x).
    """
    language = check_language(language)
    data = prepare_data(df, spec)
    x_type = _x_type(data, spec)
    y_field = spec.y_field
    mark = pick(*MARK_LABELS[spec.mark], language)
    y_text = _y_title(spec, language)
    sentences = [
        pick(
            f"{mark} : {y_text} (axe vertical) selon « {spec.x} » (axe horizontal), "
            f"{len(data)} point(s).",
            f"{mark}: {y_text} (vertical axis) by '{spec.x}' (horizontal axis), "
            f"{len(data)} point(s).",
            language,
        )
    ]
    values = data.dropna(subset=[y_field])
    if values.empty:
        sentences.append(
            pick("Aucune valeur à afficher.", "No value to show.", language)
        )
        return " ".join(sentences)
    if x_type == "nominal":
        top = values.nlargest(3, y_field)
        listed = ", ".join(
            f"{row[spec.x]} ({_number(row[y_field], language)})"
            for _, row in top.iterrows()
        )
        sentences.append(
            pick(
                f"Valeurs les plus élevées : {listed}.",
                f"Highest values: {listed}.",
                language,
            )
        )
    else:
        first, last = values[spec.x].min(), values[spec.x].max()
        peak = values.loc[values[y_field].idxmax()]
        sentences.append(
            pick(
                f"De {_value(first, language)} à {_value(last, language)}; maximum "
                f"{_number(peak[y_field], language)} à {_value(peak[spec.x], language)}.",
                f"From {_value(first, language)} to {_value(last, language)}; maximum "
                f"{_number(peak[y_field], language)} at {_value(peak[spec.x], language)}.",
                language,
            )
        )
    low, high = values[y_field].min(), values[y_field].max()
    sentences.append(
        pick(
            f"Les valeurs vont de {_number(low, language)} à {_number(high, language)}.",
            f"Values range from {_number(low, language)} to {_number(high, language)}.",
            language,
        )
    )
    return " ".join(sentences)


def export_svg(chart: alt.TopLevelMixin, language: str | None = None) -> str:
    """Render ``chart`` to an SVG string with vl-convert (no browser, no network)."""
    return vl_convert.vegalite_to_svg(
        chart.to_dict(),
        vl_version=_vl_version(),
        allowed_base_urls=[],
        format_locale=_locale(language),
        time_format_locale=_locale(language),
    )


def export_png(
    chart: alt.TopLevelMixin, *, scale: float = 1.0, language: str | None = None
) -> bytes:
    """Render ``chart`` to PNG bytes with vl-convert (no browser, no network)."""
    return vl_convert.vegalite_to_png(
        chart.to_dict(),
        vl_version=_vl_version(),
        scale=scale,
        allowed_base_urls=[],
        format_locale=_locale(language),
        time_format_locale=_locale(language),
    )


def numeric_columns(df: pd.DataFrame, *, min_share: float = 0.8) -> list[str]:
    """Return the columns whose filled cells are mostly numbers (decimal commas allowed)."""
    names = []
    for column in df.columns:
        values = df[column]
        if pd.api.types.is_numeric_dtype(values):
            names.append(str(column))
            continue
        text = values.dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty:
            continue
        converted = pd.to_numeric(
            text.str.replace(",", ".", regex=False), errors="coerce"
        )
        if converted.notna().mean() >= min_share:
            names.append(str(column))
    return names


def _data_steps(df: pd.DataFrame, spec: ChartSpec) -> list[str]:
    """Return the pandas lines that turn ``df`` into the chart's ``data``."""
    x, y = spec.x, spec.y
    if spec.aggregate == "count":
        lines = [f"data = df[[{x!r}]].copy()"]
    else:
        lines = [f"data = df[[{x!r}, {y!r}]].copy()"]
        if not pd.api.types.is_numeric_dtype(df[y]):
            lines.append(
                f"data[{y!r}] = pd.to_numeric(data[{y!r}].astype(str).str.strip()"
                '.str.replace(",", ".", regex=False), errors="coerce")'
            )
    if spec.x_is_date and not pd.api.types.is_datetime64_any_dtype(df[x]):
        lines.append(
            f"data[{x!r}] = pd.to_datetime(data[{x!r}], dayfirst=True, errors='coerce')"
        )
    lines.append(f"data = data.dropna(subset=[{x!r}])")
    if spec.date_group is not None:
        lines.append(f"data[{x!r}] = data[{x!r}]{DATE_GROUPS[spec.date_group]}")

    if spec.aggregate == "count":
        lines.append(f"data = data.groupby({x!r}, as_index=False).size()")
        lines.append(f'data = data.rename(columns={{"size": {COUNT_FIELD!r}}})')
    elif spec.aggregate == "none":
        lines.append(f"data = data.dropna(subset=[{y!r}])")
    else:
        lines.append(
            f"data = data.groupby({x!r}, as_index=False)[{y!r}].agg({spec.aggregate!r})"
        )

    y_field = spec.y_field
    if spec.top is not None and spec.mark in ("bar", "point"):
        lines.append(f"data = data.nlargest({spec.top}, {y_field!r})")
    if spec.mark in ("line", "area"):
        lines.append(f"data = data.sort_values({x!r})")
    lines.append("data = data.reset_index(drop=True)")
    return lines


def _x_type(data: pd.DataFrame, spec: ChartSpec) -> str:
    """Return the Vega-Lite type of x: temporal, quantitative or nominal."""
    values = data[spec.x]
    if pd.api.types.is_datetime64_any_dtype(values):
        return "temporal"
    if pd.api.types.is_numeric_dtype(values) and spec.mark != "bar":
        return "quantitative"
    return "nominal"


def _y_title(spec: ChartSpec, language: str) -> str:
    """Return the y axis title: the aggregation and the column."""
    if spec.aggregate == "count":
        return pick(*AGGREGATION_LABELS["count"], language)
    if spec.aggregate == "none":
        return str(spec.y)
    return f"{pick(*AGGREGATION_LABELS[spec.aggregate], language)} {spec.y}"


def _title(spec: ChartSpec, language: str) -> str:
    """Return the chart title: the learner's, or the y title by x."""
    if spec.title:
        return spec.title
    title = pick(
        f"{_y_title(spec, language)} selon {spec.x}",
        f"{_y_title(spec, language)} by {spec.x}",
        language,
    )
    if spec.date_group is not None:
        title += " (" + pick(*DATE_GROUP_LABELS[spec.date_group], language) + ")"
    return title


def _field(name: str) -> str:
    """Escape the characters Vega-Lite reads as nested field access."""
    return (
        name.replace("\\", "\\\\")
        .replace(".", "\\.")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )


def _number(value: float, language: str) -> str:
    """Format a number for the alt text (decimal comma in French)."""
    if pd.isna(value):
        return "?"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if language == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _value(value: object, language: str) -> str:
    """Format an x value (a date as ISO, a number as :func:`_number`)."""
    if isinstance(value, pd.Timestamp):
        if value.hour == 0 and value.minute == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (int, float)):
        return _number(value, language)
    return str(value)


def _locale(language: str | None) -> str:
    """Return the d3 number-format locale of ``language``."""
    return "fr-CA" if check_language(language) == "fr" else "en-US"


def _vl_version() -> str:
    """Return the Vega-Lite version of vl-convert that matches altair's."""
    wanted = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    available = vl_convert.get_vegalite_versions()
    if wanted in available:
        return wanted
    logger.warning(
        "vl-convert has no Vega-Lite %s (altair's); using %s", wanted, available[-1]
    )
    return available[-1]
