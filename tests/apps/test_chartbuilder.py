"""Tests of the chart builder: generated code, alt text and exports."""

import pandas as pd
import pytest

from widgets.chartbuilder import (
    ChartError,
    ChartSpec,
    alt_text,
    build_chart,
    chart_code,
    export_png,
    export_svg,
    numeric_columns,
    prepare_data,
)

SPECS = {
    "aide-sociale-adultes-2024-12": [
        ChartSpec(x="Valeur", y="Femmes", aggregate="sum", mark="bar", top=5),
        ChartSpec(x="Caracteristique", y="Age_moyen", aggregate="mean", mark="point"),
        ChartSpec(x="Caracteristique", aggregate="count", mark="bar"),
        ChartSpec(x="Valeur", y="Hommes", aggregate="max", mark="area"),
    ],
    "velos-comptage-2012": [
        ChartSpec(x="Date", y="Berri 1", aggregate="none", mark="line", x_is_date=True),
    ],
    "urgences-msss": [
        ChartSpec(
            x="Nom_etablissement", y="Nombre_de_civieres_occupees", aggregate="median"
        ),
    ],
}
CASES = [(dataset_id, spec) for dataset_id, specs in SPECS.items() for spec in specs]


@pytest.mark.parametrize(("dataset_id", "spec"), CASES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_code_gives_same_spec(registered_csv, dataset_id, spec, language):
    df = registered_csv(dataset_id)
    namespace = {"df": df}
    exec(chart_code(df, spec, language), namespace)  # noqa: S102 - the code under test
    assert namespace["chart"].to_dict() == build_chart(df, spec, language).to_dict()


def test_code_does_not_change_df(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    before = df.copy()
    exec(chart_code(df, SPECS["aide-sociale-adultes-2024-12"][0]), {"df": df})  # noqa: S102
    pd.testing.assert_frame_equal(df, before)


def test_top_keeps_largest(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    spec = SPECS["aide-sociale-adultes-2024-12"][0]
    data = prepare_data(df, spec)
    totals = (
        pd.to_numeric(df["Femmes"])
        .groupby(df["Valeur"])
        .sum()
        .sort_values(ascending=False)
    )
    assert len(data) == spec.top
    assert data["Femmes"].tolist() == totals.head(spec.top).tolist()


def test_count_field(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    data = prepare_data(df, ChartSpec(x="Caracteristique", aggregate="count"))
    assert data["nombre_de_lignes"].sum() == len(df)


def test_dates_parsed_day_first(registered_csv):
    df = registered_csv("velos-comptage-2012")
    data = prepare_data(df, SPECS["velos-comptage-2012"][0])
    assert data["Date"].min() == pd.Timestamp("2012-01-01")
    assert data["Date"].max() == pd.Timestamp("2012-11-05")


def test_alt_text_names_top_values(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    spec = SPECS["aide-sociale-adultes-2024-12"][0]
    data = prepare_data(df, spec)
    text = alt_text(df, spec, "en")
    assert text.startswith("Bar chart")
    assert "Sum of Femmes" in text
    assert str(data.iloc[0]["Valeur"]) in text


def test_alt_text_french(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    text = alt_text(df, SPECS["aide-sociale-adultes-2024-12"][0], "fr")
    assert text.startswith("Diagramme à barres")
    assert "Valeurs les plus élevées" in text


def test_alt_text_time_range(registered_csv):
    df = registered_csv("velos-comptage-2012")
    text = alt_text(df, SPECS["velos-comptage-2012"][0], "en")
    assert "From 2012-01-01 to 2012-11-05" in text


def test_export_svg(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    svg = export_svg(build_chart(df, SPECS["aide-sociale-adultes-2024-12"][0]))
    assert svg.lstrip().startswith("<svg")
    assert "Femmes" in svg


def test_export_png(registered_csv):
    df = registered_csv("aide-sociale-adultes-2024-12")
    png = export_png(build_chart(df, SPECS["aide-sociale-adultes-2024-12"][0]), scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_field_with_dot_renders():
    df = pd.DataFrame({"région.nom": ["a", "b"], "valeur.x": ["1,5", "2"]})
    spec = ChartSpec(x="région.nom", y="valeur.x", aggregate="sum")
    svg = export_svg(build_chart(df, spec))
    assert svg.count("<path") > 0
    namespace = {"df": df}
    exec(chart_code(df, spec), namespace)  # noqa: S102
    assert namespace["chart"].to_dict() == build_chart(df, spec).to_dict()


def test_numeric_columns_decimal_comma():
    df = pd.DataFrame({"a": ["1,5", "2", ""], "b": ["x", "y", "z"], "c": [1, 2, 3]})
    assert numeric_columns(df) == ["a", "c"]


@pytest.mark.parametrize(
    "spec",
    [
        ChartSpec(x="absent", y="Femmes"),
        ChartSpec(x="Valeur", y="absent"),
        ChartSpec(x="Valeur", y="Valeur"),
        ChartSpec(x="Valeur", y="Femmes", aggregate="mode"),
        ChartSpec(x="Valeur", y="Femmes", mark="pie"),
        ChartSpec(x="Valeur", y="Femmes", top=0),
    ],
)
def test_invalid_spec_rejected(registered_csv, spec):
    df = registered_csv("aide-sociale-adultes-2024-12")
    with pytest.raises(ChartError):
        build_chart(df, spec)


def test_too_many_points_rejected(registered_csv):
    df = registered_csv("velos-comptage-2019")
    spec = ChartSpec(x="Date", y="compteur_100054073", aggregate="none", mark="line")
    with pytest.raises(ChartError) as info:
        build_chart(df, spec)
    assert "Too many points" in info.value.message_en


@pytest.fixture(scope="module")
def bikes_2019():
    from widgets.apps.tables import load_table

    return load_table("velos-comptage-2019")


def bikes_spec(group: str | None) -> ChartSpec:
    return ChartSpec(
        x="Date",
        y="compteur_100003032",
        aggregate="sum",
        mark="line",
        x_is_date=True,
        date_group=group,
    )


def test_group_by_month(bikes_2019):
    data = prepare_data(bikes_2019, bikes_spec("month"))
    months = bikes_2019["Date"].dt.to_period("M").nunique()
    assert len(data) == months
    assert (data["Date"].dt.day == 1).all()


def test_group_by_week_starts_monday(bikes_2019):
    data = prepare_data(bikes_2019, bikes_spec("week"))
    assert (data["Date"].dt.day_of_week == 0).all()


def test_group_by_day_sums(bikes_2019):
    data = prepare_data(bikes_2019, bikes_spec("day"))
    assert data["compteur_100003032"].sum() == bikes_2019["compteur_100003032"].sum()
    assert len(data) == bikes_2019["Date"].dt.normalize().nunique()


def test_ungrouped_2019_too_many_points(bikes_2019):
    with pytest.raises(ChartError, match="jour, semaine ou mois|day, week or month"):
        build_chart(bikes_2019, bikes_spec(None))


def test_grouped_code_same_chart(bikes_2019):
    spec = bikes_spec("week")
    namespace = {"df": bikes_2019}
    exec(chart_code(bikes_2019, spec, "en"), namespace)  # noqa: S102
    assert namespace["chart"].to_dict() == build_chart(bikes_2019, spec, "en").to_dict()


def test_group_title_names_period(bikes_2019):
    chart = build_chart(bikes_2019, bikes_spec("month"), "fr")
    assert chart.title.endswith("(par mois)")


def test_group_needs_dates():
    df = pd.DataFrame({"x": ["a", "b"], "y": ["1", "2"]})
    with pytest.raises(ChartError, match="dates"):
        prepare_data(df, ChartSpec(x="x", y="y", date_group="day"))


def test_group_unknown_period():
    df = pd.DataFrame({"x": ["01/01/2020"], "y": ["1"]})
    with pytest.raises(ChartError, match="hour"):
        prepare_data(df, ChartSpec(x="x", y="y", x_is_date=True, date_group="hour"))
