"""Check functions of the test cells, and the learner's self-check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

import widgets
from widgets import grading
from widgets.instructor import synthetic

PROJECT = Path(widgets.__file__).resolve().parent.parent
MIRROR = os.environ.get("DONNEESQC_MIRROR", "/work/shared/portal-snapshot")


def failure(function, *arguments, **options) -> grading.CheckFailed:
    """Return the CheckFailed raised by ``function``; fail the test if none is."""
    with pytest.raises(grading.CheckFailed) as caught:
        function(*arguments, **options)
    return caught.value


def test_check_failed_is_assertion():
    assert issubclass(grading.CheckFailed, AssertionError)


def test_message_french_first():
    text = str(failure(grading.check_equal, 3, 4, "n"))
    assert text.startswith("[fr] ")


def test_message_english_line():
    text = str(failure(grading.check_equal, 3, 4, "n"))
    assert "\n[en] " in text


def test_message_in_english():
    text = str(failure(grading.check_equal, 3, 4, "n"))
    assert (
        grading.message_in(text, "en") == "`n` is 3, which is not the expected value."
    )


def test_message_in_french():
    text = str(failure(grading.check_equal, 3, 4, "n"))
    assert grading.message_in(text, "fr").startswith("`n` vaut 3")


def test_message_in_plain_text():
    assert grading.message_in("NameError: x", "en") == "NameError: x"


def test_check_contains_names_missing():
    error = failure(
        grading.check_contains,
        "Ville de Montréal",
        ["Ville de Montréal", "CC BY 4.0"],
        "credit",
    )
    assert "'CC BY 4.0'" in error.message_en


def test_check_contains_ignores_case():
    grading.check_contains(
        "ville de montréal, cc by 4.0", ["Ville de Montréal", "CC BY 4.0"], "credit"
    )


def test_check_contains_any_topic():
    error = failure(
        grading.check_contains_any,
        "abc",
        ["modifi"],
        "c",
        topic="la mention / the statement",
    )
    assert error.message_en == "`c` does not contain the statement."


def test_check_type_bool_not_number():
    failure(grading.check_number, True, "n")


def test_check_close_tolerance():
    grading.check_close(5045855.4570000001, 5045855.457, "y")


def test_check_mapping_wrong_key():
    error = failure(grading.check_mapping, {"a": 1, "b": 3}, {"a": 1, "b": 2}, "d")
    assert "['b']" in error.message_en


def test_check_columns_hint():
    frame = pd.DataFrame({"Date;Berri 1": ["01/01/2012;35"]})
    error = failure(grading.check_columns, frame, ["Date"], "velos")
    assert "separator" in error.message_en


def test_check_text_column_numbers():
    frame = pd.DataFrame({"id": [51218980, 51226892]})
    failure(grading.check_text_column, frame, "id", "urgences")


def test_check_text_column_strings():
    grading.check_text_column(pd.DataFrame({"id": ["51218980"]}), "id", "urgences")


def test_check_datetime_column_text():
    failure(
        grading.check_datetime_column,
        pd.DataFrame({"Date": ["01/01/2012"]}),
        "Date",
        "velos",
    )


def test_check_series_equal_order_free():
    left = pd.Series({"b": 2, "a": 1})
    grading.check_series_equal(left, pd.Series({"a": 1, "b": 2}), "s")


def test_check_series_equal_wrong_value():
    error = failure(
        grading.check_series_equal, pd.Series({"a": 1}), pd.Series({"a": 2}), "s"
    )
    assert "['a']" in error.message_en


def test_check_column_values_missing_equal():
    frame = pd.DataFrame({"x": [1.0, float("nan")]})
    grading.check_column_values(frame, "x", [1.0, float("nan")], "f")


def test_check_any_value_contains_mojibake():
    frame = pd.DataFrame({"Nom": ["HÃ´pital de Matane"]})
    error = failure(
        grading.check_any_value_contains, frame, "Nom", "Hôpital", "urgences"
    )
    assert "encoding" in error.message_en


def chart(**properties) -> alt.Chart:
    data = pd.DataFrame(
        {"mois": pd.to_datetime(["2012-01-01", "2012-02-01"]), "passages": [1, 2]}
    )
    return (
        alt.Chart(data)
        .mark_line()
        .encode(x="mois:T", y="passages:Q")
        .properties(**properties)
    )


def test_check_encoding_type():
    spec = grading.chart_spec(chart())
    error = failure(grading.check_encoding, spec, "x", "mois", "nominal")
    assert "'temporal'" in error.message_en


def test_check_description_missing():
    failure(grading.check_description, grading.chart_spec(chart()), 40)


def test_check_description_repeats_title():
    text = "Passages mensuels au compteur Berri 1 en 2012, de janvier à novembre"
    spec = grading.chart_spec(chart(title=text, description=text))
    failure(grading.check_description, spec, 40)


def test_check_axis_title_missing():
    failure(grading.check_axis_title, grading.chart_spec(chart()), "x")


def test_chart_spec_rejects_dataframe():
    failure(grading.chart_spec, pd.DataFrame())


def test_answer_missing_variable():
    error = failure(grading.answer, "variable_qui_n_existe_pas")
    assert "NotImplementedError" in error.message_en


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Tests visibles"), ("en", "Visible tests")]
)
def test_check_command_language(tmp_path, language, expected):
    source = PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb"
    notebook = tmp_path / "01-licences.ipynb"
    shutil.copy2(source, notebook)
    result = run_check(notebook, language)
    assert expected in result.stdout


@pytest.mark.slow
def test_check_command_hidden_tests_note(tmp_path):
    notebook = tmp_path / "01-licences.ipynb"
    shutil.copy2(
        PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb", notebook
    )
    result = run_check(notebook, "en")
    assert "Hidden tests run at grading" in result.stdout


@pytest.mark.slow
def test_check_command_solution_passes(tmp_path):
    notebook = tmp_path / "01-licences.ipynb"
    source = PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb"
    synthetic.write(synthetic.learner_view(source), notebook)
    assert run_check(notebook, "en").returncode == 0


@pytest.mark.slow
def test_check_command_reports_failure(tmp_path):
    notebook = tmp_path / "01-licences.ipynb"
    source = PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb"
    broken = synthetic.learner_view(
        source, {"q1-credit": "credit = 'Source : la Ville'"}
    )
    synthetic.write(broken, notebook)
    result = run_check(notebook, "en")
    assert "does not contain: 'Ville de Montréal', 'CC BY 4.0'" in result.stdout


@pytest.mark.slow
def test_check_command_exit_code_failure(tmp_path):
    notebook = tmp_path / "01-licences.ipynb"
    source = PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb"
    synthetic.write(synthetic.learner_view(source, {"q1-credit": "pass"}), notebook)
    assert run_check(notebook, "fr").returncode == 1


def run_check(notebook: Path, language: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=str(PROJECT),
        DONNEESQC_MIRROR=MIRROR,
        DONNEESQC_LANG=language,
    )
    command = [sys.executable, "-m", "widgets.grading", "check", str(notebook)]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_check_command_hidden_only_cell(tmp_path):
    notebook = tmp_path / "01-licences.ipynb"
    source = PROJECT / "exercises" / "source" / "01-licences" / "01-licences.ipynb"
    synthetic.write(synthetic.learner_view(source), notebook)
    result = run_check(notebook, "en")
    assert "[at grading] q3-valeurs" in result.stdout


GRADING_MODULES = [
    PROJECT / "widgets" / "grading.py",
    PROJECT / "widgets" / "grading_api.py",
    PROJECT / "widgets" / "selfcheck.py",
    *sorted((PROJECT / "widgets" / "instructor").glob("*.py")),
]


def required_imports(path: Path) -> set[str]:
    """Return the top-level modules ``path`` imports outside ``try`` blocks."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    optional = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.Try)
        for statement in block.body
        for node in ast.walk(statement)
    }
    names = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pyproject_lists_grading_imports():
    import importlib.metadata
    import re
    import tomllib

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text("utf-8"))
    declared = {
        re.split(r"[<>=!~;\[ ]", requirement)[0].lower().replace("_", "-")
        for requirement in project["project"]["dependencies"]
    }
    distributions = importlib.metadata.packages_distributions()
    third_party = {
        name
        for path in GRADING_MODULES
        for name in required_imports(path)
        if name not in sys.stdlib_module_names and name not in {"widgets", "__future__"}
    }
    missing = sorted(
        name
        for name in third_party
        if not {
            dist.lower().replace("_", "-") for dist in distributions.get(name, [name])
        }
        & declared
    )
    assert missing == []
