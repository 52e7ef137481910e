"""Checks used by the test cells of the graded exercises, and the learner's check.

Each ``check_*`` function raises :class:`CheckFailed`, an ``AssertionError``
whose message contains a French line and an English line, so nbgrader counts
the test cell as failed and the feedback tells the learner what was wrong
in either language. A test cell is worth its own points: an assignment
gives partial credit by splitting a question into several test cells.

Learners check their work with ``python -m widgets.grading check NOTEBOOK``
or by calling :func:`verifier` in the last cell of a notebook. Both run the
saved notebook in a fresh kernel and report the visible tests only; the
hidden tests run when the instructor grades.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from widgets.i18n import current_language, pick

logger = logging.getLogger(__name__)

FRENCH_PREFIX = "[fr] "
ENGLISH_PREFIX = "[en] "
# Set in the kernel of a self-check run so that the verifier() cell of the
# notebook does not start a self-check of its own.
SELFCHECK_VARIABLE = "DONNEESQC_SELFCHECK"
# Set by nbgrader in the kernel while it autogrades or validates a notebook:
# the verifier() cell then does nothing.
NBGRADER_VARIABLE = "NBGRADER_EXECUTION"
MAX_SHOWN_ITEMS = 5


class CheckFailed(AssertionError):
    """A test of a graded exercise failed; the message is in French and English."""

    def __init__(self, fr: str, en: str) -> None:
        self.message_fr = fr
        self.message_en = en
        super().__init__(f"{FRENCH_PREFIX}{fr}\n{ENGLISH_PREFIX}{en}")


def message_in(text: str, language: str | None = None) -> str:
    """Return the part of a bilingual :class:`CheckFailed` message in ``language``.

    Text that is not a bilingual message is returned unchanged.
    """
    prefix = pick(FRENCH_PREFIX, ENGLISH_PREFIX, language)
    lines = [
        line[len(prefix) :] for line in text.splitlines() if line.startswith(prefix)
    ]
    if lines:
        return "\n".join(lines)
    return text


def answer(name: str) -> Any:
    """Return the learner's variable ``name`` from the notebook's namespace.

    Raises
    ------
    CheckFailed
        If the variable does not exist: the answer cell was not run, or it
        still raises ``NotImplementedError``.
    """
    namespace = _notebook_namespace()
    if name not in namespace:
        raise CheckFailed(
            fr=(
                f"La variable `{name}` n'existe pas. Écrivez votre réponse dans la "
                "cellule prévue, retirez `raise NotImplementedError()` et exécutez-la."
            ),
            en=(
                f"The variable `{name}` does not exist. Write your answer in its "
                "cell, remove `raise NotImplementedError()` and run the cell."
            ),
        )
    return namespace[name]


def check_type(value: Any, expected: type | tuple[type, ...], name: str) -> None:
    """Check that ``value`` is an instance of ``expected``."""
    if isinstance(value, expected):
        return
    wanted = _type_names(expected)
    got = type(value).__name__
    raise CheckFailed(
        fr=f"`{name}` doit être de type {wanted}; c'est un objet de type {got}.",
        en=f"`{name}` must be of type {wanted}; it is of type {got}.",
    )


def check_equal(actual: Any, expected: Any, name: str) -> None:
    """Check that ``actual == expected``."""
    if actual == expected:
        return
    raise CheckFailed(
        fr=f"`{name}` vaut {actual!r}, ce qui n'est pas la valeur attendue.",
        en=f"`{name}` is {actual!r}, which is not the expected value.",
    )


def check_close(actual: Any, expected: float, name: str, *, rel: float = 1e-6) -> None:
    """Check that the number ``actual`` is within ``rel`` (relative) of ``expected``."""
    check_number(actual, name)
    if math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=rel):
        return
    raise CheckFailed(
        fr=f"`{name}` vaut {actual!r}, ce qui n'est pas la valeur attendue.",
        en=f"`{name}` is {actual!r}, which is not the expected value.",
    )


def check_number(value: Any, name: str) -> None:
    """Check that ``value`` is a real number (bool excluded)."""
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return
    raise CheckFailed(
        fr=f"`{name}` doit être un nombre; c'est un objet de type {type(value).__name__}.",
        en=f"`{name}` must be a number; it is of type {type(value).__name__}.",
    )


def check_contains(text: Any, fragments: Iterable[str], name: str) -> None:
    """Check that the string ``text`` contains each of ``fragments`` (case ignored)."""
    check_type(text, str, name)
    lowered = text.casefold()
    missing = [fragment for fragment in fragments if fragment.casefold() not in lowered]
    if not missing:
        return
    shown = ", ".join(repr(fragment) for fragment in missing)
    raise CheckFailed(
        fr=f"`{name}` ne contient pas : {shown}.",
        en=f"`{name}` does not contain: {shown}.",
    )


def check_contains_any(
    text: Any, alternatives: Iterable[str], name: str, *, topic: str
) -> None:
    """Check that ``text`` contains at least one of ``alternatives`` (case ignored).

    ``topic`` names what the alternatives express, in French then English,
    separated by ``" / "``, for example ``"la mention de modification /
    the statement of changes"``.
    """
    check_type(text, str, name)
    lowered = text.casefold()
    if any(option.casefold() in lowered for option in alternatives):
        return
    topic_fr, _, topic_en = topic.partition(" / ")
    raise CheckFailed(
        fr=f"`{name}` ne contient pas {topic_fr}.",
        en=f"`{name}` does not contain {topic_en or topic_fr}.",
    )


def check_mapping(actual: Any, expected: Mapping, name: str) -> None:
    """Check a dict answer key by key: keys present, then each value."""
    check_type(actual, dict, name)
    missing = [key for key in expected if key not in actual]
    if missing:
        raise CheckFailed(
            fr=f"Clés manquantes dans `{name}` : {missing}.",
            en=f"Keys missing from `{name}`: {missing}.",
        )
    wrong = [key for key, value in expected.items() if actual[key] != value]
    if wrong:
        raise CheckFailed(
            fr=f"Valeurs incorrectes dans `{name}` pour les clés : {wrong}.",
            en=f"Wrong values in `{name}` for the keys: {wrong}.",
        )


def check_same_items(actual: Any, expected: Iterable, name: str) -> None:
    """Check that the list ``actual`` has the items of ``expected``, in any order."""
    check_type(actual, (list, tuple, set), name)
    actual_items = sorted(map(str, actual))
    expected_items = sorted(map(str, expected))
    if actual_items == expected_items:
        return
    extra = sorted(set(actual_items) - set(expected_items))[:MAX_SHOWN_ITEMS]
    missing_count = len(set(expected_items) - set(actual_items))
    raise CheckFailed(
        fr=(
            f"`{name}` n'a pas les bons éléments : {len(actual_items)} au lieu de "
            f"{len(expected_items)}, {missing_count} manquant(s), en trop : {extra}."
        ),
        en=(
            f"`{name}` does not have the right items: {len(actual_items)} instead of "
            f"{len(expected_items)}, {missing_count} missing, extra: {extra}."
        ),
    )


def check_columns(frame: Any, expected: Iterable[str], name: str) -> None:
    """Check that the DataFrame ``frame`` has each column of ``expected``."""
    import pandas as pd

    check_type(frame, pd.DataFrame, name)
    columns = [str(column) for column in frame.columns]
    missing = [column for column in expected if column not in columns]
    if not missing:
        return
    shown = columns[:MAX_SHOWN_ITEMS]
    raise CheckFailed(
        fr=(
            f"Colonnes manquantes dans `{name}` : {missing}. Premières colonnes "
            f"lues : {shown}. Vérifiez le séparateur, l'encodage et les espaces "
            "autour des noms."
        ),
        en=(
            f"Columns missing from `{name}`: {missing}. First columns read: {shown}. "
            "Check the separator, the encoding and the spaces around the names."
        ),
    )


def check_shape(frame: Any, rows: int, columns: int, name: str) -> None:
    """Check the number of rows and columns of a DataFrame."""
    import pandas as pd

    check_type(frame, pd.DataFrame, name)
    if frame.shape == (rows, columns):
        return
    raise CheckFailed(
        fr=(
            f"`{name}` a {frame.shape[0]} lignes et {frame.shape[1]} colonnes; "
            f"attendu : {rows} lignes et {columns} colonnes."
        ),
        en=(
            f"`{name}` has {frame.shape[0]} rows and {frame.shape[1]} columns; "
            f"expected {rows} rows and {columns} columns."
        ),
    )


def check_datetime_column(frame: Any, column: str, name: str) -> None:
    """Check that ``frame[column]`` contains dates (a datetime64 dtype)."""
    import pandas as pd

    check_columns(frame, [column], name)
    dtype = frame[column].dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return
    raise CheckFailed(
        fr=(
            f"La colonne `{column}` de `{name}` est de type {dtype}, pas une date. "
            "Convertissez-la à la lecture (parse_dates, date_format ou dayfirst)."
        ),
        en=(
            f"Column `{column}` of `{name}` has dtype {dtype}, not a date. Convert it "
            "when reading (parse_dates, date_format or dayfirst)."
        ),
    )


def check_text_column(frame: Any, column: str, name: str) -> None:
    """Check that ``frame[column]`` contains text, not numbers."""
    import pandas as pd

    check_columns(frame, [column], name)
    series = frame[column]
    is_text = pd.api.types.is_string_dtype(series.dtype) and all(
        isinstance(value, str) for value in series.dropna()
    )
    if is_text:
        return
    raise CheckFailed(
        fr=(
            f"La colonne `{column}` de `{name}` est de type {series.dtype}, pas du texte. "
            "Un identifiant se lit comme du texte : dtype={...: str} à la lecture."
        ),
        en=(
            f"Column `{column}` of `{name}` has dtype {series.dtype}, not text. An "
            "identifier is read as text: dtype={...: str} when reading."
        ),
    )


def check_numeric_column(frame: Any, column: str, name: str) -> None:
    """Check that ``frame[column]`` holds numbers, not text."""
    import pandas as pd

    check_columns(frame, [column], name)
    dtype = frame[column].dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return
    raise CheckFailed(
        fr=(
            f"La colonne `{column}` de `{name}` est de type {dtype}, pas un nombre. "
            "Ne lisez en texte que les identifiants."
        ),
        en=(
            f"Column `{column}` of `{name}` has dtype {dtype}, not a number. Read only "
            "the identifiers as text."
        ),
    )


def check_any_value_contains(frame: Any, column: str, fragment: str, name: str) -> None:
    """Check that some value of ``frame[column]`` contains ``fragment``.

    Used to detect a wrong encoding: accented letters read with the wrong
    codec come out as other characters.
    """
    check_columns(frame, [column], name)
    values = frame[column].dropna().astype(str)
    if values.str.contains(fragment, regex=False).any():
        return
    example = values.iloc[0] if len(values) else ""
    raise CheckFailed(
        fr=(
            f"Aucune valeur de `{name}[{column!r}]` ne contient {fragment!r} (exemple lu : "
            f"{example!r}). Les lettres accentuées sont mal décodées : vérifiez l'encodage."
        ),
        en=(
            f"No value of `{name}[{column!r}]` contains {fragment!r} (example read: "
            f"{example!r}). Accented letters are decoded wrongly: check the encoding."
        ),
    )


def check_series_equal(
    actual: Any, expected: Any, name: str, *, rel: float = 1e-6
) -> None:
    """Check that two Series have the same index and values (order ignored)."""
    import pandas as pd

    check_type(actual, pd.Series, name)
    actual_sorted = actual.sort_index()
    expected_sorted = expected.sort_index()
    if list(actual_sorted.index) != list(expected_sorted.index):
        extra = [key for key in actual_sorted.index if key not in expected_sorted.index]
        missing = [
            key for key in expected_sorted.index if key not in actual_sorted.index
        ]
        raise CheckFailed(
            fr=(
                f"L'index de `{name}` ne correspond pas : en trop "
                f"{extra[:MAX_SHOWN_ITEMS]}, manquant {missing[:MAX_SHOWN_ITEMS]}."
            ),
            en=(
                f"The index of `{name}` does not match: extra {extra[:MAX_SHOWN_ITEMS]}, "
                f"missing {missing[:MAX_SHOWN_ITEMS]}."
            ),
        )
    different = [
        key
        for key, left, right in zip(
            actual_sorted.index, actual_sorted.to_numpy(), expected_sorted.to_numpy()
        )
        if not _values_match(left, right, rel)
    ]
    if different:
        raise CheckFailed(
            fr=(
                f"`{name}` a {len(different)} valeur(s) incorrecte(s), par exemple pour "
                f"{different[:MAX_SHOWN_ITEMS]}."
            ),
            en=(
                f"`{name}` has {len(different)} wrong value(s), for example for "
                f"{different[:MAX_SHOWN_ITEMS]}."
            ),
        )


def check_column_values(
    frame: Any, column: str, expected: Any, name: str, *, rel: float = 1e-6
) -> None:
    """Check the values of ``frame[column]`` against the sequence ``expected``, row by row."""
    check_columns(frame, [column], name)
    actual = list(frame[column])
    expected = list(expected)
    if len(actual) != len(expected):
        raise CheckFailed(
            fr=f"`{name}` a {len(actual)} lignes; attendu : {len(expected)}.",
            en=f"`{name}` has {len(actual)} rows; expected {len(expected)}.",
        )
    rows = [
        i
        for i, (left, right) in enumerate(zip(actual, expected))
        if not _values_match(left, right, rel)
    ]
    if rows:
        raise CheckFailed(
            fr=(
                f"La colonne `{column}` de `{name}` a {len(rows)} valeur(s) incorrecte(s), "
                f"par exemple aux lignes {rows[:MAX_SHOWN_ITEMS]}."
            ),
            en=(
                f"Column `{column}` of `{name}` has {len(rows)} wrong value(s), for "
                f"example in rows {rows[:MAX_SHOWN_ITEMS]}."
            ),
        )


def chart_spec(chart: Any, name: str = "graphique") -> dict:
    """Return the Vega-Lite dict of an altair chart, checking that it is one."""
    import altair as alt

    check_type(chart, alt.TopLevelMixin, name)
    return chart.to_dict()


def check_mark(spec: dict, marks: Iterable[str], name: str = "graphique") -> None:
    """Check that the chart's mark is one of ``marks``."""
    mark = spec.get("mark")
    if isinstance(mark, dict):
        mark = mark.get("type")
    allowed = list(marks)
    if mark in allowed:
        return
    raise CheckFailed(
        fr=f"La marque de `{name}` est {mark!r}; utilisez l'une de {allowed}.",
        en=f"The mark of `{name}` is {mark!r}; use one of {allowed}.",
    )


def check_encoding(
    spec: dict, channel: str, field: str, kind: str, name: str = "graphique"
) -> None:
    """Check that ``channel`` (x, y, color...) encodes ``field`` with the type ``kind``.

    ``kind`` is a Vega-Lite type: quantitative, temporal, nominal or ordinal.
    """
    encoding = spec.get("encoding", {}).get(channel)
    if not encoding:
        raise CheckFailed(
            fr=f"`{name}` n'a pas d'encodage pour le canal {channel!r}.",
            en=f"`{name}` has no encoding for the channel {channel!r}.",
        )
    if encoding.get("field") != field:
        raise CheckFailed(
            fr=(
                f"Le canal {channel!r} de `{name}` encode {encoding.get('field')!r} "
                f"au lieu de {field!r}."
            ),
            en=(
                f"Channel {channel!r} of `{name}` encodes {encoding.get('field')!r} "
                f"instead of {field!r}."
            ),
        )
    if encoding.get("type") != kind:
        raise CheckFailed(
            fr=(
                f"Le canal {channel!r} de `{name}` a le type {encoding.get('type')!r}; "
                f"attendu : {kind!r} (par exemple {field}:{kind[0].upper()})."
            ),
            en=(
                f"Channel {channel!r} of `{name}` has type {encoding.get('type')!r}; "
                f"expected {kind!r} (for example {field}:{kind[0].upper()})."
            ),
        )


def check_axis_title(spec: dict, channel: str, name: str = "graphique") -> None:
    """Check that the axis of ``channel`` has a title of its own, not the column name."""
    encoding = spec.get("encoding", {}).get(channel, {})
    title = encoding.get("title") or encoding.get("axis", {}).get("title")
    if isinstance(title, str) and title.strip() and title != encoding.get("field"):
        return
    raise CheckFailed(
        fr=(
            f"L'axe {channel!r} de `{name}` n'a pas de titre lisible : donnez-lui un "
            "titre avec alt.X(..., title=...) ou alt.Y(..., title=...)."
        ),
        en=(
            f"Axis {channel!r} of `{name}` has no readable title: set one with "
            "alt.X(..., title=...) or alt.Y(..., title=...)."
        ),
    )


def check_description(spec: dict, min_length: int, name: str = "graphique") -> None:
    """Check that the chart has a text alternative of at least ``min_length`` characters."""
    description = spec.get("description")
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if not isinstance(description, str) or len(description.strip()) < min_length:
        raise CheckFailed(
            fr=(
                f"`{name}` n'a pas de texte de remplacement d'au moins {min_length} "
                'caractères : ajoutez .properties(description="...").'
            ),
            en=(
                f"`{name}` has no text alternative of at least {min_length} characters: "
                'add .properties(description="...").'
            ),
        )
    if description.strip() == str(title or "").strip():
        raise CheckFailed(
            fr=(
                f"La description de `{name}` répète le titre : dites ce que montre le "
                "graphique (tendance, maximum, période)."
            ),
            en=(
                f"The description of `{name}` repeats the title: say what the chart "
                "shows (trend, maximum, period)."
            ),
        )


def verifier(notebook: str | os.PathLike | None = None, *, timeout: int = 120) -> None:
    """Run the visible tests of the saved notebook and print a report.

    Call it in the last cell of an exercise notebook, after saving. It runs
    the saved file in a fresh kernel, so the result is what the grader sees
    for the visible tests; hidden tests run only when the instructor grades.

    Parameters
    ----------
    notebook
        The notebook file. Defaults to the notebook this kernel belongs to
        (``JPY_SESSION_NAME`` or ``__session__``), then to none.
    timeout
        Seconds allowed for each cell.
    """
    language = current_language()
    if os.environ.get(SELFCHECK_VARIABLE) or os.environ.get(NBGRADER_VARIABLE):
        print(
            pick(
                "Vérification ignorée : ce carnet est déjà en cours de vérification ou de correction.",
                "Check skipped: this notebook is already being checked or graded.",
                language,
            )
        )
        return
    path = _notebook_path(notebook)
    command = [sys.executable, "-m", "widgets.grading", "check", str(path)]
    command += ["--timeout", str(timeout)]
    # The check runs in a child process: starting a kernel from inside this
    # kernel's running event loop would block it.
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    print(completed.stdout, end="")
    if completed.returncode not in (0, 1):
        print(completed.stderr, end="")


def main(argv: list[str] | None = None) -> int:
    """Run the ``python -m widgets.grading`` command line; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.grading",
        description=(
            "Vérifier un carnet d'exercice avec ses tests visibles. "
            "Check an exercise notebook with its visible tests."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="run the visible tests of NOTEBOOK")
    check.add_argument("notebook", type=Path, help="the .ipynb file to check")
    check.add_argument(
        "--timeout", type=int, default=120, help="seconds allowed per cell"
    )
    check.add_argument(
        "--lang", choices=("fr", "en"), help="report language (default DONNEESQC_LANG)"
    )
    arguments = parser.parse_args(argv)

    from widgets.selfcheck import format_report, run_visible_tests

    language = arguments.lang or current_language()
    results = run_visible_tests(
        arguments.notebook, timeout=arguments.timeout, language=language
    )
    print(format_report(results, arguments.notebook, language))
    return 0 if results.all_passed else 1


def _notebook_namespace() -> dict:
    """Return the namespace of the running notebook (or of ``__main__``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is not None:
        return shell.user_ns
    return vars(sys.modules["__main__"])


def _notebook_path(notebook: str | os.PathLike | None) -> Path:
    """Return the notebook to check: the argument, else this kernel's notebook."""
    candidates = []
    if notebook is not None:
        candidates.append(Path(notebook))
    session = os.environ.get("JPY_SESSION_NAME") or _notebook_namespace().get(
        "__session__"
    )
    if session:
        candidates.append(Path(session))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        pick(
            f"Carnet introuvable ({[str(c) for c in candidates]}). Enregistrez-le, puis "
            'appelez verifier("NOM_DU_CARNET.ipynb") avec son nom.',
            f"Notebook not found ({[str(c) for c in candidates]}). Save it, then call "
            'verifier("NOTEBOOK_NAME.ipynb") with its name.',
        )
    )


def _type_names(expected: type | tuple[type, ...]) -> str:
    """Return the names of one type or of a tuple of types, for messages."""
    if isinstance(expected, tuple):
        return " ou / or ".join(kind.__name__ for kind in expected)
    return expected.__name__


def _values_match(left: Any, right: Any, rel: float) -> bool:
    """Compare two cell values: numbers within ``rel``, missing equals missing."""
    import numbers

    left_missing = _is_missing(left)
    right_missing = _is_missing(right)
    if left_missing or right_missing:
        return left_missing and right_missing
    if isinstance(left, numbers.Real) and isinstance(right, numbers.Real):
        return math.isclose(float(left), float(right), rel_tol=rel, abs_tol=rel)
    return bool(left == right)


def _is_missing(value: Any) -> bool:
    """Return whether a scalar is missing (None, NaN, NaT, pd.NA)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        # pd.isna returns an array for a list-like value: that is not missing.
        return False


if __name__ == "__main__":
    sys.exit(main())
