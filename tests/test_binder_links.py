"""Binder URLs built from _config.yml, and the README links that copy them."""

from __future__ import annotations

from pathlib import Path

import pytest

from widgets.binder import (
    APPS_URLPATH,
    BinderSettings,
    lesson_urlpath,
    load_settings,
    main,
    render_readme,
)

ROOT = Path(__file__).resolve().parents[1]


def test_github_launch_url():
    settings = BinderSettings("https://github.com/org/course", branch="main")
    url = settings.launch_url(lesson_urlpath("book/fr/lessons/02-explore.md"))
    assert url == (
        "https://mybinder.org/v2/gh/org/course/main"
        "?urlpath=lab/tree/book/fr/lessons/02-explore.md"
    )


def test_github_url_with_git_suffix():
    settings = BinderSettings("https://github.com/org/course.git/", branch="dev")
    assert settings.launch_base() == "https://mybinder.org/v2/gh/org/course/dev"


def test_gitlab_launch_base():
    settings = BinderSettings("https://gitlab.com/org/course")
    assert settings.launch_base() == "https://mybinder.org/v2/gl/org%2Fcourse/main"


def test_other_host_launch_base():
    settings = BinderSettings("https://git.example.org/org/course", branch="main")
    expected = "https://mybinder.org/v2/git/https%3A//git.example.org/org/course/main"
    assert settings.launch_base() == expected


def test_own_binderhub_used():
    settings = BinderSettings(
        "https://github.com/org/course", binderhub_url="https://hub.example.org/"
    )
    assert settings.launch_url(APPS_URLPATH).startswith(
        "https://hub.example.org/v2/gh/"
    )


def test_config_without_url_rejected():
    with pytest.raises(ValueError, match="repository.url"):
        BinderSettings.from_book_config({"repository": {"branch": "main"}})


def test_theme_options_match_book_config():
    config = {
        "repository": {"url": "https://github.com/org/course", "branch": "dev"},
        "launch_buttons": {"binderhub_url": "https://hub.example.org"},
    }
    options = {
        "repository_url": "https://github.com/org/course",
        "repository_branch": "dev",
        "launch_buttons": {"binderhub_url": "https://hub.example.org"},
    }
    assert BinderSettings.from_theme_options(
        options
    ) == BinderSettings.from_book_config(config)


def test_readme_links_match_config():
    text = (ROOT / "README.md").read_text("utf-8")
    assert render_readme(text, load_settings(ROOT)) == text


def test_readme_links_follow_fork(tmp_path):
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/fork/cours\n  branch: main\n", "utf-8"
    )
    (tmp_path / "README.md").write_text(
        (ROOT / "README.md").read_text("utf-8"), "utf-8"
    )
    assert main(["--root", str(tmp_path), "readme"]) == 0
    rewritten = (tmp_path / "README.md").read_text("utf-8")
    assert "/v2/gh/fork/cours/main?urlpath=voila/tree/notebooks" in rewritten
    assert "/v2/gh/donneesqc-course/" not in rewritten


def test_readme_check_reports_drift(tmp_path):
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/fork/cours\n", "utf-8"
    )
    (tmp_path / "README.md").write_text(
        (ROOT / "README.md").read_text("utf-8"), "utf-8"
    )
    assert main(["--root", str(tmp_path), "readme", "--check"]) == 1


def test_readme_without_markers_rejected():
    with pytest.raises(ValueError, match="binder:badge"):
        render_readme("# A README\n", BinderSettings("https://github.com/org/course"))
