"""JupyterLab and Jupyter server settings of the course environment.

Binder and ``make lab`` run ``postBuild``, which installs the package and then
runs ``python -m widgets.labconfig`` with the environment's own Python. The
settings go to that environment (``sys.prefix``), never to a user folder:

* JupyterLab speaks French by default (``jupyterlab-language-pack-fr-FR``);
* Markdown and MyST files open as notebooks through jupytext, so a lesson's
  ``.md`` source opens ready to run;
* JupyterLab neither asks to fetch Jupyter news nor fetches it;
* nbgrader shows learners its assignment list and its validate button, and
  hides the instructor tools (formgrader, course list, create assignment).

Every other server extension the course needs (jupyterlab, jupytext, voila,
nbgrader's learner parts) is enabled by the files that pip installs in
``etc/jupyter/jupyter_server_config.d`` with the pinned versions, so nothing
here enables them again. Running the command twice gives the same files.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

LOCALE = "fr_FR"
# Name of the notebook widget factory that the jupyterlab-jupytext extension
# registers (jupytext 1.19, lab extension 1.4), and the JupyterLab file types
# of Markdown (.md) and MyST (.myst, .mystnb) files.
JUPYTEXT_VIEWER = "Jupytext Notebook"
TEXT_NOTEBOOK_FILE_TYPES = ("markdown", "myst")

LAB_SETTINGS: dict[str, dict] = {
    "@jupyterlab/translation-extension:plugin": {"locale": LOCALE},
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": dict.fromkeys(TEXT_NOTEBOOK_FILE_TYPES, JUPYTEXT_VIEWER)
    },
    # The news prompt covers the lesson on a learner's first visit.
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

LEARNER_LAB_PLUGINS = (
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
)
INSTRUCTOR_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
)
LEARNER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.validate_assignment",
)
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)


def overrides_path(prefix: Path | str) -> Path:
    """Return the JupyterLab ``overrides.json`` of the environment at ``prefix``.

    JupyterLab reads default setting values from
    ``<prefix>/share/jupyter/lab/settings/overrides.json``; a learner's own
    settings still win over them.
    """
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write_overrides(prefix: Path | str) -> Path:
    """Merge the course's JupyterLab defaults into ``overrides.json`` under ``prefix``.

    Settings already in the file for other plugins, or other keys of the same
    plugins, are kept. Returns the path of the file.

    Raises
    ------
    ValueError
        If the existing file is not a JSON object; the message names the file.
    """
    path = overrides_path(prefix)
    overrides: dict = {}
    if path.exists():
        try:
            overrides = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path} is not valid JSON ({error}). Fix or delete it, then run "
                "'python -m widgets.labconfig' again."
            ) from error
        if not isinstance(overrides, dict):
            raise ValueError(
                f"{path} holds a JSON {type(overrides).__name__}, not an object. "
                "Fix or delete it, then run 'python -m widgets.labconfig' again."
            )
    merged = _merge(overrides, LAB_SETTINGS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", "utf-8")
    logger.info("Wrote JupyterLab defaults to %s", path)
    return path


def set_nbgrader_tools(*, instructor: bool = False) -> None:
    """Enable nbgrader's learner tools and enable or disable its instructor tools.

    Acts on the environment of the running Python with JupyterLab's and
    Jupyter server's own commands at the ``sys_prefix`` level. Disabled lab
    plugins are locked as well, and enabled ones unlocked.

    Parameters
    ----------
    instructor
        Enable formgrader, the course list and the create-assignment panel
        too; by default they are disabled, as learners do not need them.
    """
    _toggle_lab_plugins(LEARNER_LAB_PLUGINS, enable=True)
    _toggle_lab_plugins(INSTRUCTOR_LAB_PLUGINS, enable=instructor)
    _toggle_server_extensions(LEARNER_SERVER_EXTENSIONS, enable=True)
    _toggle_server_extensions(INSTRUCTOR_SERVER_EXTENSIONS, enable=instructor)


def main(argv: list[str] | None = None) -> int:
    """Configure the running Python's environment; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets.labconfig",
        description=(
            "Set the course's JupyterLab defaults (French, lessons open as notebooks) "
            "and nbgrader's tools in the environment of this Python."
        ),
    )
    parser.add_argument(
        "--instructor",
        action="store_true",
        help="also enable nbgrader's instructor tools (formgrader, course list)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )

    try:
        write_overrides(sys.prefix)
    except ValueError as error:
        logger.error("%s", error)
        return 1
    try:
        set_nbgrader_tools(instructor=args.instructor)
    except subprocess.CalledProcessError as error:
        logger.error(
            "%s exited with code %d. Check that requirements.txt is installed in %s.",
            " ".join(error.cmd),
            error.returncode,
            sys.prefix,
        )
        return 1
    return 0


def _toggle_lab_plugins(plugins: Iterable[str], *, enable: bool) -> None:
    # A disabled plugin is also locked, so the plugin manager cannot turn it
    # back on while its server extension stays off.
    plugins = list(plugins)
    if enable:
        actions = ("unlock", "enable")
    else:
        actions = ("disable", "lock")
    for action in actions:
        _run_jupyter("jupyterlab.labextensions", action, "--level=sys_prefix", *plugins)


def _toggle_server_extensions(extensions: Iterable[str], *, enable: bool) -> None:
    action = "enable" if enable else "disable"
    _run_jupyter(
        "jupyter_server.extension.serverextension", action, "--sys-prefix", *extensions
    )


def _run_jupyter(module: str, *args: str) -> None:
    command = [sys.executable, "-m", module, *args]
    logger.info("Running %s", " ".join(command))
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        logger.error("Output of the failed command:\n%s", completed.stderr)
        raise subprocess.CalledProcessError(
            completed.returncode, command, completed.stdout, completed.stderr
        )


def _merge(base: dict, update: dict) -> dict:
    """Return ``base`` with ``update`` applied, merging nested mappings."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


if __name__ == "__main__":
    sys.exit(main())
