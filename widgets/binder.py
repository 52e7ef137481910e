"""Binder links of the course, built from the repository named in ``_config.yml``.

The repository URL, its branch and the BinderHub live in one place, the root
``_config.yml`` (``repository.url``, ``repository.branch``,
``launch_buttons.binderhub_url``). Everything else derives from it:

* the launch button of each lesson page, made by sphinx-book-theme;
* the ``{binder}`` role of the book (``widgets.sphinxext``), which links to
  any path of the Binder session, such as the Voilà apps;
* the Binder badge and links of ``README.md``, which a static file cannot
  compute: ``python -m widgets.binder readme`` rewrites them between their
  ``<!-- binder:NAME -->`` markers, and a test fails when they disagree.

URLs follow sphinx-book-theme 1.3's launch buttons, so the lesson links in the
README and in the book have the same form.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import yaml

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BINDERHUB = "https://mybinder.org"
APPS_URLPATH = "voila/tree/notebooks"
LAB_URLPATH = "lab"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
README_BLOCK = re.compile(
    r"(?P<start><!-- binder:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(?P<end><!-- /binder:(?P=name) -->)",
    re.DOTALL,
)


@dataclass(frozen=True)
class BinderSettings:
    """Location of the course's repository, and the BinderHub that launches it."""

    repository_url: str
    branch: str = "main"
    binderhub_url: str = DEFAULT_BINDERHUB

    @classmethod
    def from_book_config(cls, config: dict) -> BinderSettings:
        """Read the settings from a parsed Jupyter Book ``_config.yml``.

        Raises
        ------
        ValueError
            If ``repository.url`` is missing.
        """
        repository = config.get("repository") or {}
        launch = config.get("launch_buttons") or {}
        url = str(repository.get("url") or "").strip()
        if not url:
            raise ValueError(
                "_config.yml has no repository.url: set it to the address of the "
                "course's Git repository, such as https://github.com/ORG/REPO."
            )
        return cls(
            repository_url=url,
            branch=str(repository.get("branch") or "main"),
            binderhub_url=str(launch.get("binderhub_url") or DEFAULT_BINDERHUB),
        )

    @classmethod
    def from_theme_options(cls, options: dict) -> BinderSettings:
        """Read the settings from Sphinx's ``html_theme_options``.

        Jupyter Book copies ``repository.url`` to ``repository_url``,
        ``repository.branch`` to ``repository_branch`` and ``launch_buttons``
        as is.
        """
        return cls.from_book_config(
            {
                "repository": {
                    "url": options.get("repository_url"),
                    "branch": options.get("repository_branch"),
                },
                "launch_buttons": options.get("launch_buttons") or {},
            }
        )

    def launch_base(self) -> str:
        """Return the BinderHub URL that builds and starts this repository's branch."""
        hub = self.binderhub_url.strip("/")
        repository = self.repository_url.strip("/").removesuffix(".git")
        parsed = urlparse(repository)
        parts = parsed.path.strip("/").split("/")
        if parsed.netloc == "github.com" and len(parts) == 2:
            return f"{hub}/v2/gh/{parts[0]}/{parts[1]}/{self.branch}"
        if parsed.netloc == "gitlab.com" and len(parts) == 2:
            return f"{hub}/v2/gl/{parts[0]}%2F{parts[1]}/{self.branch}"
        return f"{hub}/v2/git/{quote(repository)}/{self.branch}"

    def launch_url(self, urlpath: str = LAB_URLPATH) -> str:
        """Return the Binder URL that opens ``urlpath`` in the started session.

        ``urlpath`` is a path of the Jupyter server, such as ``lab`` or
        ``voila/tree/notebooks``.
        """
        return f"{self.launch_base()}?urlpath={urlpath.lstrip('/')}"


def lesson_urlpath(source: str) -> str:
    """Return the urlpath that opens ``source`` in JupyterLab.

    ``source`` is a file or folder relative to the repository root, such as
    ``book/fr/lessons/02-explore.md``; a MyST lesson opens as a notebook.
    """
    return f"lab/tree/{source.lstrip('/')}"


def load_settings(root: Path = ROOT) -> BinderSettings:
    """Return the Binder settings of the root ``_config.yml`` of ``root``."""
    config = yaml.safe_load((root / "_config.yml").read_text("utf-8")) or {}
    return BinderSettings.from_book_config(config)


def readme_blocks(settings: BinderSettings) -> dict[str, str]:
    """Return the generated text of each ``<!-- binder:NAME -->`` block of the README."""
    lab = settings.launch_url(LAB_URLPATH)
    french = settings.launch_url(lesson_urlpath("book/fr/lessons"))
    english = settings.launch_url(lesson_urlpath("book/en/lessons"))
    apps = settings.launch_url(APPS_URLPATH)
    return {
        "badge": f"[![Binder]({BADGE_IMAGE})]({lab})\n",
        "links": (
            f"- JupyterLab, with the lessons, exercises and apps: <{lab}>\n"
            f"- the French lessons: <{french}>\n"
            f"- the English lessons: <{english}>\n"
            f"- the Voilà apps: <{apps}>\n"
        ),
    }


def render_readme(text: str, settings: BinderSettings) -> str:
    """Return ``text`` with every known ``binder`` block regenerated from ``settings``.

    Raises
    ------
    ValueError
        If a block named in ``readme_blocks`` is missing from ``text``.
    """
    blocks = readme_blocks(settings)
    found = {match["name"] for match in README_BLOCK.finditer(text)}
    missing = sorted(set(blocks) - found)
    if missing:
        raise ValueError(
            "README.md is missing the block(s) "
            + ", ".join(
                f"<!-- binder:{name} --> ... <!-- /binder:{name} -->"
                for name in missing
            )
            + ": add the markers where the links belong, then run the command again."
        )

    def replace(match: re.Match) -> str:
        body = blocks.get(match["name"], match["body"])
        return f"{match['start']}{body}{match['end']}"

    return README_BLOCK.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    """Print the Binder links or rewrite them in the README; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.binder",
        description="Binder links built from repository.url in the root _config.yml.",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("links", help="print the Binder links")
    readme_parser = commands.add_parser(
        "readme", help="rewrite the Binder badge and links of README.md"
    )
    readme_parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit with 1 if README.md is out of date",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )

    try:
        settings = load_settings(args.root)
    except ValueError as error:
        logger.error("%s", error)
        return 1
    if args.command == "links":
        for text in readme_blocks(settings).values():
            sys.stdout.write(text)
        return 0

    readme = args.root / "README.md"
    text = readme.read_text("utf-8")
    try:
        rendered = render_readme(text, settings)
    except ValueError as error:
        logger.error("%s", error)
        return 1
    if rendered == text:
        logger.info("%s is up to date with _config.yml", readme)
        return 0
    if args.check:
        logger.error(
            "The Binder links of %s differ from _config.yml: run "
            "'python -m widgets.binder readme' to rewrite them.",
            readme,
        )
        return 1
    readme.write_text(rendered, "utf-8")
    logger.info("Rewrote the Binder links of %s", readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
