"""JupyterLab and Jupyter server settings of the course environment.

Binder and ``make lab`` run ``postBuild``, which installs the package and then
runs ``python -m widgets.labconfig`` with the environment's own Python. The
settings go to that environment (``sys.prefix``), never to a user folder:

* JupyterLab speaks French by default (``jupyterlab-language-pack-fr-FR``);
* Markdown and MyST files open as notebooks through jupytext, so a lesson's
  ``.md`` source opens ready to run;
* JupyterLab does not fetch Jupyter news and does not prompt for it;
* nbgrader shows learners its assignment list and its validate button, and
  hides the instructor tools (formgrader, course list, create assignment);
* Voilà's server extension (``/voila/tree/notebooks``) renders the apps with
  the course template and French page language, as
  ``python -m widgets.apps serve`` does. The template is copied to
  ``share/jupyter/voila/templates`` and named in ``etc/jupyter/voila.json``,
  which the extension reads. The page language goes to
  ``etc/jupyter/jupyter_server_config.json``, because the extension passes
  the server's own configuration to its exporter and Jupyter server 2 reads
  only extension switches from ``jupyter_server_config.d``.

Every other server extension the course needs (jupyterlab, jupytext, voila,
nbgrader's learner parts) is enabled by the files that pip installs in
``etc/jupyter/jupyter_server_config.d`` with the pinned versions, so nothing
here enables them again. Running the command twice gives the same files.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

from widgets.apps.serve import TEMPLATE, TEMPLATE_ROOT

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
# NOTE: Voilà 0.5.13's server extension gives its pages MathJax from cdnjs
# when the server sets no mathjax_url, so apps opened under /voila request it
# (offline, only math would fail); setting it to null stops the apps rendering.
VOILA_SETTINGS = {
    "VoilaConfiguration": {"template": TEMPLATE, "show_tracebacks": False}
}
SERVER_SETTINGS = {"VoilaExporter": {"language_code": "fr"}}


class SettingsFileError(ValueError):
    """A settings file of the environment is not a JSON object."""


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
    SettingsFileError
        If the existing file is not a JSON object; the message names the file.
    """
    path = overrides_path(prefix)
    _write_json(path, _merge(_read_json_object(path), LAB_SETTINGS))
    logger.info("Wrote JupyterLab defaults to %s", path)
    return path


def install_voila_template(prefix: Path | str) -> Path:
    """Copy the course's Voilà template into the environment at ``prefix``.

    The copy replaces any older one, so a changed template needs another
    run of this command (``postBuild`` or ``make lab`` do it). Returns the
    template folder.
    """
    source = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE
    target = Path(prefix) / "share" / "jupyter" / "voila" / "templates" / TEMPLATE
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    logger.info("Copied the Voilà template %r to %s", TEMPLATE, target)
    return target


def write_voila_config(prefix: Path | str) -> list[Path]:
    """Merge the course's Voilà settings into the Jupyter configuration under ``prefix``.

    ``etc/jupyter/voila.json`` gets the template and hidden tracebacks, and
    ``etc/jupyter/jupyter_server_config.json`` the French page language;
    other settings in those files are kept. The standalone ``voila`` command
    gets the same settings from ``python -m widgets.apps serve``. Returns the
    paths of both files.

    Raises
    ------
    SettingsFileError
        If one of the files exists but is not a JSON object.
    """
    config_dir = Path(prefix) / "etc" / "jupyter"
    written = []
    for name, settings in (
        ("voila.json", VOILA_SETTINGS),
        ("jupyter_server_config.json", SERVER_SETTINGS),
    ):
        path = config_dir / name
        _write_json(path, _merge(_read_json_object(path), settings))
        logger.info("Wrote Voilà settings to %s", path)
        written.append(path)
    return written


def set_nbgrader_tools(*, instructor: bool = False) -> None:
    """Enable nbgrader's learner tools and enable or disable its instructor tools.

    Acts on the environment of the running Python (``sys_prefix`` level),
    through the functions behind ``jupyter labextension`` and ``jupyter
    server extension``. Disabled lab plugins are also locked, so that the
    plugin manager cannot turn one back on while its server extension is
    off. Enabled plugins are unlocked.

    Parameters
    ----------
    instructor
        Enable formgrader, the course list and the create-assignment panel
        too; by default they are disabled, as learners do not need them.
    """
    from jupyter_server.extension.serverextension import toggle_server_extension_python
    from jupyterlab import commands

    for plugin in LEARNER_LAB_PLUGINS:
        commands.unlock_extension(plugin, level="sys_prefix")
        commands.enable_extension(plugin, level="sys_prefix")
    for plugin in INSTRUCTOR_LAB_PLUGINS:
        if instructor:
            commands.unlock_extension(plugin, level="sys_prefix")
            commands.enable_extension(plugin, level="sys_prefix")
        else:
            commands.disable_extension(plugin, level="sys_prefix")
            commands.lock_extension(plugin, level="sys_prefix")
    for extension in LEARNER_SERVER_EXTENSIONS:
        toggle_server_extension_python(extension, enabled=True, sys_prefix=True)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        toggle_server_extension_python(extension, enabled=instructor, sys_prefix=True)
    logger.info(
        "nbgrader: learner tools on, instructor tools %s", "on" if instructor else "off"
    )


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
        write_voila_config(sys.prefix)
    except SettingsFileError as error:
        logger.error("%s", error)
        return 1
    install_voila_template(sys.prefix)
    set_nbgrader_tools(instructor=args.instructor)
    return 0


def _read_json_object(path: Path) -> dict:
    """Return the JSON object stored at ``path``, or an empty one if there is no file."""
    if not path.exists():
        return {}
    try:
        value = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise SettingsFileError(
            f"{path} is not valid JSON ({error}). Fix or delete it, then run "
            "'python -m widgets.labconfig' again."
        ) from error
    if not isinstance(value, dict):
        raise SettingsFileError(
            f"{path} holds a JSON {type(value).__name__}, not an object. "
            "Fix or delete it, then run 'python -m widgets.labconfig' again."
        )
    return value


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", "utf-8")


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
