"""The course's lesson catalogue, read from the lessons' own front matter.

Each lesson page starts with a YAML front matter whose ``course`` block
gives its teaching and exercise minutes, its learning paths, and the
graded exercise and app that go with it::

    course:
      teaching: 20
      exercises: 15
      paths: [read, reuse]
      exercise: 02-lecture
      app: licences

The header box of a lesson and the learning-path table of the home page are
both computed from these blocks, so the times shown always agree.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from widgets.i18n import check_language, pick

logger = logging.getLogger(__name__)

BOOK_DIR = Path(__file__).resolve().parents[1] / "book"
PATHS = {
    "read": ("Lire les données", "Reading data"),
    "reuse": ("Réutiliser les données", "Reusing data"),
}
# App id: (French name, English name, notebook file in notebooks/).
APPS = {
    "catalogue": ("Explorateur du catalogue", "Catalogue explorer", "catalogue.ipynb"),
    "licences": (
        "Aide aux licences et au crédit",
        "Licence and attribution helper",
        "licences.ipynb",
    ),
    "api": ("Constructeur de requêtes API", "API query builder", "api.ipynb"),
    "charts": ("Constructeur de graphiques", "Chart builder", "graphiques.ipynb"),
    "quality": ("Vérificateur de qualité", "Quality checker", "qualite.ipynb"),
    "map": ("Carte", "Map view", "carte.ipynb"),
    "needs": ("Tableau des besoins en données", "Data-needs board", "besoins.ipynb"),
}


@dataclass(frozen=True)
class Lesson:
    """One lesson page and its ``course`` front matter."""

    slug: str
    title: str
    teaching: int
    exercises: int
    paths: tuple[str, ...]
    exercise: str | None
    app: str | None

    @property
    def minutes(self) -> int:
        """Total time of the lesson, teaching and exercises."""
        return self.teaching + self.exercises


def read_front_matter(path: Path) -> dict:
    """Return the YAML front matter of a MyST page, or an empty dict."""
    text = path.read_text("utf-8")
    if not text.startswith("---"):
        return {}
    _, front, _ = text.split("---", 2)
    return yaml.safe_load(front) or {}


def read_lesson(path: Path) -> Lesson:
    """Read one lesson page.

    Raises
    ------
    ValueError
        If the page has no ``course`` block or an unknown path or app.
    """
    front = read_front_matter(path)
    course = front.get("course")
    if course is None:
        raise ValueError(f"{path}: the front matter has no 'course' block; add one.")
    if not isinstance(course, dict):
        raise TypeError(
            f"{path}: the 'course' front matter must be a mapping, got {course!r}."
        )
    paths = tuple(course.get("paths", ()))
    unknown = [name for name in paths if name not in PATHS]
    if unknown or not paths:
        raise ValueError(f"{path}: invalid paths {paths!r}; use some of {list(PATHS)}.")
    app = course.get("app")
    if app is not None and app not in APPS:
        raise ValueError(f"{path}: unknown app {app!r}; use one of {list(APPS)}.")
    return Lesson(
        slug=path.stem,
        title=_first_heading(path),
        teaching=int(course["teaching"]),
        exercises=int(course.get("exercises", 0)),
        paths=paths,
        exercise=course.get("exercise"),
        app=app,
    )


def lessons(language: str | None = None, book_dir: Path = BOOK_DIR) -> list[Lesson]:
    """Return every lesson of an edition, in file-name order."""
    folder = book_dir / check_language(language) / "lessons"
    return [read_lesson(path) for path in sorted(folder.glob("*.md"))]


def lesson_info(slug: str, language: str | None = None) -> LessonInfo:
    """Return the header box of lesson ``slug`` (time, paths, exercise, app)."""
    language = check_language(language)
    path = BOOK_DIR / language / "lessons" / f"{slug}.md"
    lesson = read_lesson(path)
    return LessonInfo(lesson, language, next_in_paths(lesson, lessons(language)))


def next_in_paths(lesson: Lesson, catalogue: list[Lesson]) -> dict[str, Lesson | None]:
    """Return, for each path of ``lesson``, the lesson that follows it on that path."""
    following: dict[str, Lesson | None] = {}
    for name in lesson.paths:
        on_path = [item for item in catalogue if name in item.paths]
        slugs = [item.slug for item in on_path]
        position = slugs.index(lesson.slug) if lesson.slug in slugs else -1
        following[name] = (
            on_path[position + 1] if 0 <= position < len(on_path) - 1 else None
        )
    return following


def learning_paths(language: str | None = None) -> LearningPaths:
    """Return the table of learning paths with their lessons and total time."""
    language = check_language(language)
    return LearningPaths(lessons(language), language)


@dataclass(frozen=True)
class LessonInfo:
    """HTML box with a lesson's time, paths, exercise and app."""

    lesson: Lesson
    language: str
    next_lessons: dict[str, Lesson | None] = field(default_factory=dict)

    def to_html(self) -> str:
        """Render the box as a definition list."""
        lang = self.language
        lesson = self.lesson
        time = pick(
            f"{lesson.teaching} min d'enseignement, {lesson.exercises} min d'exercices",
            f"{lesson.teaching} min teaching, {lesson.exercises} min exercises",
            lang,
        )
        paths = ", ".join(pick(*PATHS[name], lang) for name in lesson.paths)
        rows = [
            (pick("Durée", "Time", lang), time),
            (pick("Parcours", "Paths", lang), paths),
        ]

        if lesson.exercise:
            rows.append(
                (
                    pick("Exercice noté", "Graded exercise", lang),
                    f"<code>exercises/source/{html.escape(lesson.exercise)}</code>",
                )
            )

        if lesson.app:
            french, english, notebook = APPS[lesson.app]
            app_name = pick(french, english, lang)
            rows.append(
                (
                    pick("Application", "App", lang),
                    f"{html.escape(app_name)} (<code>notebooks/{notebook}</code>)",
                )
            )

        following = self._following_html()
        if following:
            rows.append(
                (pick("Suite du parcours", "Next on the path", lang), following)
            )

        items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
        return f'<dl class="dq-lesson-info" lang="{lang}">{items}</dl>'

    def _following_html(self) -> str:
        """Return links to the next lesson of each path, or an empty string."""
        links = []
        for name, lesson in self.next_lessons.items():
            path_name = pick(*PATHS[name], self.language)
            if lesson is None:
                end = pick(
                    "dernière leçon du parcours",
                    "last lesson of the path",
                    self.language,
                )
                links.append(
                    f"{path_name} : {end}"
                    if self.language == "fr"
                    else f"{path_name}: {end}"
                )
                continue
            link = f'<a href="{lesson.slug}.html">{html.escape(lesson.title)}</a>'
            links.append(
                f"{path_name} : {link}"
                if self.language == "fr"
                else f"{path_name}: {link}"
            )
        return "<br>".join(links)

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True)
class LearningPaths:
    """HTML table of the learning paths of an edition."""

    lessons: list[Lesson]
    language: str

    def totals(self) -> dict[str, int]:
        """Return the total minutes of each path, by path id."""
        return {
            name: sum(lesson.minutes for lesson in self.lessons if name in lesson.paths)
            for name in PATHS
        }

    def to_html(self) -> str:
        """Render one row per path: its lessons and total time."""
        lang = self.language
        header = (
            f"<tr><th>{pick('Parcours', 'Path', lang)}</th>"
            f"<th>{pick('Leçons', 'Lessons', lang)}</th>"
            f"<th>{pick('Durée totale', 'Total time', lang)}</th></tr>"
        )
        rows = []
        for name, minutes in self.totals().items():
            titles = [
                f'<a href="lessons/{lesson.slug}.html">{html.escape(lesson.title)}</a>'
                for lesson in self.lessons
                if name in lesson.paths
            ]
            hours = pick(_hours_fr(minutes), _hours_en(minutes), lang)
            rows.append(
                f"<tr><td>{pick(*PATHS[name], lang)}</td>"
                f"<td>{'<br>'.join(titles)}</td><td>{hours}</td></tr>"
            )
        return f'<table class="dq-paths">{header}{"".join(rows)}</table>'

    def _repr_html_(self) -> str:
        return self.to_html()


def _first_heading(path: Path) -> str:
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def _hours_fr(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def _hours_en(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"
