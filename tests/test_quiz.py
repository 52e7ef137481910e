"""Self-check questions: validation and the HTML learners see."""

from __future__ import annotations

import pytest

from widgets.quiz import quiz


def _options():
    return [("4", True, "Oui, 2 + 2 = 4."), ("5", False, "Recomptez : 2 + 2 = 4.")]


def test_quiz_marks_correct_option():
    html = quiz("2 + 2 ?", _options(), shuffle=False).to_html()
    assert 'data-correct="true"><summary>A. 4</summary>' in html
    assert 'data-correct="false"><summary>B. 5</summary>' in html


def test_quiz_shows_feedback_per_option():
    html = quiz("2 + 2 ?", _options(), shuffle=False).to_html()
    assert "Oui, 2 + 2 = 4." in html
    assert "Recomptez : 2 + 2 = 4." in html


def test_quiz_without_correct_option_rejected():
    with pytest.raises(ValueError, match="no option is marked correct"):
        quiz("2 + 2 ?", [("5", False, "Non."), ("6", False, "Non.")])


def test_quiz_option_without_feedback_rejected():
    with pytest.raises(ValueError, match="has no feedback"):
        quiz("2 + 2 ?", [("4", True, "Oui."), ("5", False, "  ")])


def test_quiz_single_option_rejected():
    with pytest.raises(ValueError, match="at least two options"):
        quiz("2 + 2 ?", [("4", True, "Oui.")])


def test_quiz_escapes_html():
    html = quiz(
        "<b>2</b> ?", [("<script>", True, "x & y"), ("b", False, "c")]
    ).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "x &amp; y" in html


def test_quiz_code_spans_become_code():
    html = quiz("Que fait `value_counts`?", _options()).to_html()
    assert "<code>value_counts</code>" in html


def test_quiz_english_verdicts():
    html = quiz("2 + 2?", _options(), language="en").to_html()
    assert "Correct." in html
    assert "Not quite." in html


def test_quiz_shuffle_is_stable():
    options = [(str(n), n == 0, f"Feedback {n}.") for n in range(4)]
    first = quiz("Quelle option?", options).options
    second = quiz("Quelle option?", options).options
    assert first == second


def test_quiz_shuffle_moves_correct_answer():
    options = [(str(n), n == 0, f"Feedback {n}.") for n in range(4)]
    positions = set()
    for number in range(20):
        shuffled = quiz(f"Question {number}?", options).options
        positions.add(next(i for i, option in enumerate(shuffled) if option.correct))
    assert len(positions) > 1
