"""Self-check questions with feedback on every answer.

A question renders as plain HTML: each answer is a ``<details>`` element
whose feedback opens on click. That works on the static site with no
script and no network, and in a Jupyter notebook as an HTML output.
Options may be built from computed values, so a quiz follows the data.
"""

from __future__ import annotations

import html
import random
import re
import zlib
from dataclasses import dataclass
from string import ascii_uppercase

from widgets.i18n import check_language, pick

_CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Option:
    """One answer of a question, whether it is right, and the feedback shown."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Quiz:
    """A multiple-choice self-check question.

    Raises
    ------
    ValueError
        If the question is empty, has fewer than two options, has no
        correct option, or an option has no feedback.
    """

    question: str
    options: tuple[Option, ...]
    language: str = "fr"
    hint: str | None = None

    def __post_init__(self) -> None:
        check_language(self.language)
        if not self.question.strip():
            raise ValueError("Invalid quiz: the question text is empty.")
        if len(self.options) < 2:
            raise ValueError(
                f"Invalid quiz {self.question!r}: it needs at least two options, "
                f"got {len(self.options)}."
            )
        if not any(option.correct for option in self.options):
            raise ValueError(
                f"Invalid quiz {self.question!r}: no option is marked correct."
            )
        for option in self.options:
            if not option.feedback.strip():
                raise ValueError(
                    f"Invalid quiz {self.question!r}: option {option.text!r} has no "
                    "feedback. Say why it is right or wrong."
                )

    def to_html(self) -> str:
        """Render the question as HTML that needs no script."""
        parts = [
            f'<div class="dq-quiz" lang="{self.language}">',
            f'<p class="dq-quiz-question">{_inline(self.question)}</p>',
        ]
        if self.hint:
            hint_label = pick("Indice", "Hint", self.language)
            parts.append(
                f'<details class="dq-quiz-hint"><summary>{hint_label}</summary>'
                f"<p>{_inline(self.hint)}</p></details>"
            )
        for letter, option in zip(ascii_uppercase, self.options, strict=False):
            parts.append(self._option_html(letter, option))
        parts.append("</div>")
        return "\n".join(parts)

    def _option_html(self, letter: str, option: Option) -> str:
        if option.correct:
            state = "correct"
            verdict = pick("Bonne réponse.", "Correct.", self.language)
        else:
            state = "wrong"
            verdict = pick("Pas tout à fait.", "Not quite.", self.language)
        return (
            f'<details class="dq-quiz-option dq-quiz-{state}" '
            f'data-correct="{str(option.correct).lower()}">'
            f"<summary>{letter}. {_inline(option.text)}</summary>"
            f'<div class="dq-quiz-feedback"><span class="dq-quiz-verdict">{verdict}</span> '
            f"{_inline(option.feedback)}</div></details>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def quiz(
    question: str,
    options: list[tuple[str, bool, str]],
    *,
    language: str | None = None,
    hint: str | None = None,
    shuffle: bool = True,
) -> Quiz:
    """Build a self-check question from ``(text, correct, feedback)`` tuples.

    With ``shuffle`` (the default) the options are put in an order derived
    from the question text, so the right answer is not always the first one
    an author wrote, yet a page shows the same order at every build.

    Examples
    --------
    >>> q = quiz("2 + 2 ?", [("4", True, "Oui."), ("5", False, "Recomptez.")], shuffle=False)
    >>> q.options[0].correct
    True
    """
    built = [
        Option(text, bool(correct), feedback) for text, correct, feedback in options
    ]
    if shuffle:
        random.Random(zlib.crc32(question.encode("utf-8"))).shuffle(built)
    return Quiz(question, tuple(built), check_language(language), hint)


def _inline(text: str) -> str:
    """Escape ``text`` for HTML and turn `code` spans into ``<code>``."""
    escaped = html.escape(text)
    return _CODE_SPAN.sub(r"<code>\1</code>", escaped)
