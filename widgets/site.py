"""Build the French and English editions of the book into one static site.

``python -m widgets.site build`` runs Jupyter Book once per edition:

* French: sources in ``book/fr``, configured by the root ``_config.yml`` and
  ``_toc.yml``;
* English: sources in ``book/en``, configured by the root ``_config.yml``
  with the values of ``book/en/_config.yml`` on top, and ``book/en/_toc.yml``.

Each edition's HTML is copied into ``_build/site/fr`` and ``_build/site/en``,
and ``_build/site/index.html`` leads to both. Notebooks run at build time in
strict data mode (a file whose checksum differs stops the build), with an
execution cache per edition, so a rebuild re-executes only edited pages.

``python -m widgets.site serve`` serves the site on http://127.0.0.1:8000.
"""

from __future__ import annotations

import argparse
import copy
import functools
import http.server
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

EDITIONS = ("fr", "en")
DEFAULT_PORT = 8000

ROOT_INDEX = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=fr/index.html">
<title>Données ouvertes du Québec : lire, juger, réutiliser</title>
</head>
<body>
<p><a href="fr/index.html" hreflang="fr">Français</a> ·
<a href="en/index.html" hreflang="en" lang="en">English</a></p>
</body>
</html>
"""


class BuildError(RuntimeError):
    """An edition of the book failed to build."""


def merged_config(root: Path, edition: str, build_dir: Path) -> dict:
    """Return the Jupyter Book configuration of ``edition``.

    The root ``_config.yml`` is the base; ``book/<edition>/_config.yml``, when
    present, replaces values key by key. The execution cache path is set
    here, so it does not depend on where Jupyter Book resolves paths from.
    """
    config = yaml.safe_load((root / "_config.yml").read_text("utf-8"))
    override_path = root / "book" / edition / "_config.yml"
    if override_path.exists():
        override = yaml.safe_load(override_path.read_text("utf-8")) or {}
        config = _deep_merge(config, override)
    config.setdefault("execute", {})["cache"] = str(
        build_dir / ".jupyter_cache" / edition
    )
    return config


def toc_path(root: Path, edition: str) -> Path:
    """Return the table of contents file of ``edition``."""
    if edition == "fr":
        return root / "_toc.yml"
    return root / "book" / edition / "_toc.yml"


def build_edition(
    root: Path, edition: str, build_dir: Path, *, strict: bool = True
) -> Path:
    """Build one edition with Jupyter Book and return its HTML folder.

    Raises
    ------
    BuildError
        If Jupyter Book exits with an error (the log names the page).
    """
    config_dir = build_dir / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    config_file = config_dir / f"{edition}.yml"
    config_file.write_text(
        yaml.safe_dump(merged_config(root, edition, build_dir), allow_unicode=True),
        "utf-8",
    )
    output = build_dir / edition
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(root / "book" / edition),
        "--config",
        str(config_file),
        "--toc",
        str(toc_path(root, edition)),
        "--path-output",
        str(output),
        "--builder",
        "html",
    ]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    logger.info("Building the %s edition: %s", edition, " ".join(command))
    completed = subprocess.run(command, env=_build_environment(root), check=False)
    if completed.returncode != 0:
        raise BuildError(
            f"The {edition} edition failed to build (exit code {completed.returncode}). "
            "Read the Jupyter Book log above for the page and cell at fault; reports of "
            f"failed cells are under {output / '_build' / 'html' / 'reports'}."
        )
    return output / "_build" / "html"


def build_site(
    root: Path, build_dir: Path | None = None, *, strict: bool = True
) -> Path:
    """Build both editions and assemble them into ``<build_dir>/site``."""
    root = root.resolve()
    build_dir = (build_dir or root / "_build").resolve()
    site = build_dir / "site"
    html_dirs = {
        edition: build_edition(root, edition, build_dir, strict=strict)
        for edition in EDITIONS
    }
    site.mkdir(parents=True, exist_ok=True)
    for edition, html_dir in html_dirs.items():
        target = site / edition
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(html_dir, target)
    (site / "index.html").write_text(ROOT_INDEX, "utf-8")
    logger.info("Site ready in %s", site)
    return site


def serve(site: Path, port: int = DEFAULT_PORT) -> None:
    """Serve ``site`` on 127.0.0.1 until interrupted with Ctrl+C."""
    if not (site / "index.html").exists():
        raise FileNotFoundError(
            f"No built site in {site}: run 'python -m widgets.site build' first."
        )
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(site)
    )
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        logger.info("Serving %s on http://127.0.0.1:%d (Ctrl+C stops it)", site, port)
        print(
            f"Course served on http://127.0.0.1:{port}/ - press Ctrl+C to stop.",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            logger.info("Server stopped")


def main(argv: list[str] | None = None) -> int:
    """Run the ``build`` or ``serve`` command; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.site",
        description="Build or serve the course site (French and English editions).",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder")
    parser.add_argument("--build-dir", type=Path, default=None, help="output folder")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build both editions")
    build_parser.add_argument(
        "--no-strict",
        action="store_true",
        help="do not turn Sphinx warnings into errors",
    )
    serve_parser = commands.add_parser(
        "serve", help="serve the built site on 127.0.0.1"
    )
    serve_parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    build_dir = args.build_dir or args.root / "_build"
    if args.command == "build":
        try:
            build_site(args.root, build_dir, strict=not args.no_strict)
        except BuildError as error:
            logger.error("%s", error)
            return 1
        return 0
    try:
        serve(build_dir.resolve() / "site", args.port)
    except OSError as error:
        # A missing build or a port already in use: say which, without a traceback.
        logger.error("%s", error)
        return 1
    return 0


def _build_environment(root: Path) -> dict[str, str]:
    """Return the environment of the build: strict data, site rendering, this tree first."""
    env = dict(os.environ)
    env["DONNEESQC_BUILD"] = "site"
    env["DONNEESQC_STRICT"] = "1"
    python_path = [str(root)]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(python_path)
    return env


def _deep_merge(base: dict, override: dict) -> dict:
    """Return ``base`` with ``override`` applied, merging nested mappings."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


if __name__ == "__main__":
    sys.exit(main())
