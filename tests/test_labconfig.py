"""JupyterLab defaults that postBuild writes, checked against the installed extensions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from widgets.apps.serve import TEMPLATE, TEMPLATE_ROOT
from widgets.labconfig import (
    INSTRUCTOR_LAB_PLUGINS,
    JUPYTEXT_VIEWER,
    LEARNER_LAB_PLUGINS,
    TEXT_NOTEBOOK_FILE_TYPES,
    SettingsFileError,
    install_voila_template,
    overrides_path,
    write_overrides,
    write_voila_config,
)

LABEXTENSIONS = Path(sys.prefix) / "share" / "jupyter" / "labextensions"


def _settings(prefix: Path) -> dict:
    return json.loads(overrides_path(prefix).read_text("utf-8"))


def test_overrides_locale_french(tmp_path):
    write_overrides(tmp_path)
    locale = _settings(tmp_path)["@jupyterlab/translation-extension:plugin"]["locale"]
    assert locale == "fr_FR"


@pytest.mark.parametrize("file_type", TEXT_NOTEBOOK_FILE_TYPES)
def test_overrides_text_opens_as_notebook(tmp_path, file_type):
    write_overrides(tmp_path)
    viewers = _settings(tmp_path)["@jupyterlab/docmanager-extension:plugin"][
        "defaultViewers"
    ]
    assert viewers[file_type] == JUPYTEXT_VIEWER


def test_overrides_keep_other_settings(tmp_path):
    path = overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    existing = {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    }
    path.write_text(json.dumps(existing), "utf-8")
    write_overrides(tmp_path)
    settings = _settings(tmp_path)
    assert settings["@jupyterlab/apputils-extension:themes"] == {
        "theme": "JupyterLab Dark"
    }
    assert settings["@jupyterlab/docmanager-extension:plugin"]["autosave"] is False


def test_overrides_rerun_same_bytes(tmp_path):
    first = write_overrides(tmp_path).read_bytes()
    second = write_overrides(tmp_path).read_bytes()
    assert second == first


def test_overrides_invalid_json_rejected(tmp_path):
    path = overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", "utf-8")
    with pytest.raises(SettingsFileError, match="overrides.json is not valid JSON"):
        write_overrides(tmp_path)


def _voila_files(prefix: Path) -> dict[str, dict]:
    return {
        path.name: json.loads(path.read_text("utf-8"))
        for path in write_voila_config(prefix)
    }


def test_voila_config_names_template(tmp_path):
    settings = _voila_files(tmp_path)["voila.json"]
    assert settings["VoilaConfiguration"]["template"] == TEMPLATE


def test_voila_config_hides_tracebacks(tmp_path):
    settings = _voila_files(tmp_path)["voila.json"]
    assert settings["VoilaConfiguration"]["show_tracebacks"] is False


def test_voila_config_page_french(tmp_path):
    settings = _voila_files(tmp_path)["jupyter_server_config.json"]
    assert settings["VoilaExporter"]["language_code"] == "fr"


def test_server_config_keeps_other_settings(tmp_path):
    path = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"ServerApp": {"iopub_data_rate_limit": 1e9}}), "utf-8")
    settings = _voila_files(tmp_path)["jupyter_server_config.json"]
    assert settings["ServerApp"] == {"iopub_data_rate_limit": 1e9}


def test_voila_template_copied(tmp_path):
    target = install_voila_template(tmp_path)
    source = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE
    copied = sorted(path.name for path in target.iterdir())
    assert copied == sorted(path.name for path in source.iterdir())


def test_voila_template_replaces_stale_copy(tmp_path):
    target = install_voila_template(tmp_path)
    (target / "stale.j2").write_text("old", "utf-8")
    install_voila_template(tmp_path)
    assert not (target / "stale.j2").exists()


def test_jupytext_viewer_name_installed():
    scripts = (LABEXTENSIONS / "jupyterlab-jupytext" / "static").glob("*.js")
    text = "".join(path.read_text("utf-8", errors="replace") for path in scripts)
    assert f'"{JUPYTEXT_VIEWER}"' in text


@pytest.mark.parametrize("plugin", LEARNER_LAB_PLUGINS + INSTRUCTOR_LAB_PLUGINS)
def test_nbgrader_plugin_installed(plugin):
    scripts = (LABEXTENSIONS / "@jupyter" / "nbgrader" / "static").glob("*.js")
    text = "".join(path.read_text("utf-8", errors="replace") for path in scripts)
    assert f'"{plugin}"' in text
