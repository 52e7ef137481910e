"""Tests of the apps' widgets without a browser, and of the serve command."""

import datetime as dt

import pytest

from widgets.apps.board_app import BoardApp
from widgets.apps.chart_app import ChartApp
from widgets.apps.licence_app import LicenceApp
from widgets.apps.quality_app import QualityApp
from widgets.apps.serve import HOST, TEMPLATE, TEMPLATE_ROOT, main, voila_command
from widgets.apps.shell import AppShell, build_app, error_messages
from widgets.errors import CourseError
from widgets.needs_board import NeedsBoard
from widgets.registry import get_dataset


def test_shell_french_by_default(monkeypatch, no_instructor):
    monkeypatch.delenv("DONNEESQC_LANG", raising=False)
    shell = AppShell("Titre", "Title")
    assert shell.language == "fr"
    assert "Titre" in shell.title.value


def test_shell_toggle_relabels(no_instructor):
    shell = AppShell("Titre", "Title", "fr")
    button = shell.label(
        __import__("ipywidgets").Button(), "description", "Voter", "Vote"
    )
    shell.set_language("en")
    assert button.description == "Vote"
    assert "Title" in shell.title.value


def test_shell_error_bilingual_no_trace(no_instructor):
    shell = AppShell("Titre", "Title", "fr")
    with shell.task("tester", "test"):
        raise CourseError(fr="Message français", en="English message")
    assert "Message français" in shell.error_box.value
    assert "English message" in shell.error_box.value
    assert "Traceback" not in shell.error_box.value
    assert shell.trace_row.layout.display == "none"


def test_shell_unexpected_error_general_message(no_instructor):
    shell = AppShell("Titre", "Title", "en")
    with shell.task("diviser", "divide"):
        _ = 1 / 0
    assert "unexpected error" in shell.error_box.value
    assert "ZeroDivisionError" not in shell.error_box.value


def test_shell_instructor_sees_trace(monkeypatch):
    monkeypatch.setenv("DONNEESQC_INSTRUCTOR", "1")
    shell = AppShell("Titre", "Title", "fr")
    with shell.task("diviser", "divide"):
        _ = 1 / 0
    assert shell.trace_row.layout.display == "flex"
    shell.trace_toggle.value = True
    assert "ZeroDivisionError" in shell.trace_box.value


def test_shell_error_escaped(no_instructor):
    shell = AppShell("Titre", "Title", "fr")
    shell.show_notice("<img src=x onerror=alert(1)>", "<b>x</b>")
    assert "<img" not in shell.error_box.value


def test_shell_busy_cleared_after_task(no_instructor):
    shell = AppShell("Titre", "Title", "fr")
    with shell.task("attendre", "wait"):
        assert "dq-spinner" in shell.busy.value
    assert shell.busy.value == ""


def test_error_messages_course_error():
    error = CourseError(fr="fr", en="en")
    assert error_messages(error, "a", "b") == ("fr", "en")


def test_build_app_failure_shows_message(no_instructor):
    def broken(_language):
        raise RuntimeError("boom")

    widget = build_app(broken, "fr")
    assert "dq-app" in widget._dom_classes


def test_licence_app_credit_lines(no_instructor):
    app = LicenceApp("fr")
    dataset = get_dataset("piscines-montreal")
    app.datasets.value = (dataset,)
    assert dataset.title_fr in app.credits_text.value
    app.modified.value = True
    assert app.credits_text.value.startswith("Modifié à partir de")


def test_licence_app_formats(no_instructor):
    app = LicenceApp("en")
    app.datasets.value = (get_dataset("urgences-msss"),)
    app.format.value = "markdown"
    assert app.credits_text.value.startswith("[")
    app.format.value = "html"
    assert app.credits_text.value.startswith("<a href=")


def test_licence_app_compatibility(no_instructor):
    app = LicenceApp("en")
    app.datasets.value = (get_dataset("quartiers-quebec"),)
    app.target.value = "cc-by-sa"
    assert "data-verdict='yes'" in app.compatibility.value
    app.target.value = "cc0"
    assert "data-verdict='no'" in app.compatibility.value


def test_licence_app_pasted_urls(no_instructor):
    app = LicenceApp("fr")
    app.urls.value = (
        "pas une adresse\nhttps://www.donneesquebec.ca/recherche/dataset/inconnu"
    )
    assert "pas une adresse" in app.shell.error_box.value
    assert "licence inconnue" in app.credits_text.value
    assert "data-verdict='unknown'" in app.compatibility.value


def test_licence_app_language_toggle(no_instructor):
    app = LicenceApp("fr")
    dataset = get_dataset("piscines-montreal")
    app.datasets.value = (dataset,)
    app.shell.set_language("en")
    assert dataset.title_en in app.credits_text.value
    assert app.datasets.value == (dataset,)


def test_quality_app_card(no_instructor):
    app = QualityApp("fr")
    app.dataset.value = "urgences-msss"
    assert app.frequency.value == "hourly"
    app.last_modified.value = dt.date(2022, 10, 24)
    app.today.value = dt.date(2022, 10, 24)
    app.validate.value = False
    app.run.click()
    assert "dq-card" in app.card.value
    assert app.card_data.levels["freshness"] == "ok"


def test_quality_app_language_keeps_card(no_instructor):
    app = QualityApp("fr")
    app.dataset.value = "piscines-montreal"
    app.validate.value = False
    app.run.click()
    app.shell.set_language("en")
    assert "quality score" in app.card.value
    assert app.dataset.value == "piscines-montreal"


def test_chart_app_draws(no_instructor):
    app = ChartApp("fr")
    app.dataset.value = "aide-sociale-adultes-2024-12"
    assert "<svg" in app.chart.value
    assert app.code.value.startswith("import altair")
    assert "data:image/png;base64," in app.downloads.value


def test_chart_app_change_updates(no_instructor):
    app = ChartApp("en")
    app.dataset.value = "aide-sociale-adultes-2024-12"
    before = app.alt.value
    app.aggregate.value = "count"
    assert app.alt.value != before
    assert "Number of rows" in app.alt.value


def test_chart_app_error_friendly(no_instructor):
    app = ChartApp("en")
    app.dataset.value = "velos-comptage-2019"
    app.aggregate.value = "none"
    assert "Too many points" in app.shell.error_box.value


def test_board_app_escapes(tmp_path, no_instructor):
    app = BoardApp("fr", NeedsBoard(tmp_path / "b.sqlite3"))
    app.voter.value = "alice"
    app.title.value = "<script>alert(1)</script>"
    app.reason.value = "'); DROP TABLE requests; --"
    app.submit.click()
    summary = app.listing.children[0].children[1].value
    assert "<script>" not in summary
    assert "&lt;script&gt;" in summary


def test_board_app_vote_once(tmp_path, no_instructor):
    app = BoardApp("en", NeedsBoard(tmp_path / "b.sqlite3"))
    app.voter.value = "alice"
    app.title.value = "Library hours"
    app.submit.click()
    vote = app.listing.children[0].children[0]
    vote.click()
    vote = app.listing.children[0].children[0]
    assert vote.description == "Vote (1)"
    assert vote.disabled


def test_board_app_huge_text_message(tmp_path, no_instructor):
    app = BoardApp("en", NeedsBoard(tmp_path / "b.sqlite3"))
    app.title.value = "x" * 5000
    app.submit.click()
    assert "too long" in app.shell.error_box.value


def test_board_app_moderation_hidden_for_learners(tmp_path, no_instructor):
    app = BoardApp("fr", NeedsBoard(tmp_path / "b.sqlite3"))
    assert app.moderation is None


def test_board_app_moderation_export(tmp_path, monkeypatch):
    monkeypatch.setenv("DONNEESQC_INSTRUCTOR", "1")
    app = BoardApp("fr", NeedsBoard(tmp_path / "b.sqlite3"))
    app.title.value = "=1+1"
    app.submit.click()
    assert app.moderation is not None
    text = app.export()
    assert "'=1+1" in text
    assert "data:text/csv" in app.export_link.value


def test_board_app_moderation_hide(tmp_path, monkeypatch):
    monkeypatch.setenv("DONNEESQC_INSTRUCTOR", "1")
    app = BoardApp("fr", NeedsBoard(tmp_path / "b.sqlite3"))
    app.title.value = "Masquer moi"
    app.submit.click()
    app.hide_button.click()
    assert app.board.ranked() == []


def test_voila_command_binds_loopback(tmp_path):
    command = voila_command(8866, tmp_path)
    assert f"--Voila.ip={HOST}" in command
    assert f"--template={TEMPLATE}" in command
    assert "--VoilaConfiguration.show_tracebacks=False" in command


def test_template_drops_cdn():
    text = (
        TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE / "index.html.j2"
    ).read_text()
    assert "cdn.jsdelivr.net" in text
    assert "if 'cdn.jsdelivr.net' not in line" in text
    assert "{%- block html_head_js_mermaidjs -%}\n{%- endblock" in text


def test_serve_missing_folder(tmp_path):
    assert main(["serve", "--notebooks", str(tmp_path / "absent")]) == 2


def test_serve_requires_command():
    with pytest.raises(SystemExit):
        main([])
