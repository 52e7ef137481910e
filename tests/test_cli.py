"""The command line ``python -m widgets``: help, dataset commands and exit codes."""

import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.local_portal import serve
from widgets import cli
from widgets import fetch as fetch_module
from widgets.fetch import accepted_versions
from widgets.registry import get_dataset, list_datasets

REPOSITORY = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    """Run the command line in this process; return (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def french_by_default(monkeypatch):
    monkeypatch.delenv("DONNEESQC_LANG", raising=False)


# Help and usage errors.


def test_help_in_french_by_default(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("utilisation : python -m widgets")
    assert "affiche cette aide et quitte" in out


def test_help_language_from_environment(capsys, monkeypatch):
    monkeypatch.setenv("DONNEESQC_LANG", "en")
    code, out, _ = run(capsys, "datasets", "--help")
    assert code == 0
    assert out.startswith("usage: python -m widgets datasets")
    assert "list the datasets" in out


def test_help_language_option_wins(capsys, monkeypatch):
    monkeypatch.setenv("DONNEESQC_LANG", "fr")
    code, out, _ = run(capsys, "datasets", "info", "--help", "--lang", "en")
    assert code == 0
    assert "dataset id (see 'datasets list')" in out


def test_unknown_command_is_usage_error(capsys):
    code, _, err = run(capsys, "datasets", "bogus")
    assert code == 2
    assert "erreur" in err
    assert "'bogus'" in err


def test_no_command_is_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert "GROUPE" in err


def test_module_entry_point():
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), "DONNEESQC_LANG": "en"}
    result = subprocess.run(
        [sys.executable, "-m", "widgets", "--help"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert "usage: python -m widgets" in result.stdout


# Dataset commands.


def test_list_shows_every_dataset(capsys):
    code, out, _ = run(capsys, "datasets", "list", "--lang", "en")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["id", "licence", "size", "title"]
    for dataset, line in zip(list_datasets(), lines[1:], strict=True):
        assert line.split()[:2] == [dataset.id, dataset.licence_id]
        assert line.endswith(dataset.title("en"))


def test_info_shows_every_field(capsys):
    code, out, _ = run(capsys, "datasets", "info", "velos-compteurs")
    dataset = get_dataset("velos-compteurs")
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert code == 0
    for field in dataclasses.fields(dataset):
        assert field.name in names
    assert out.rstrip().endswith(dataset.licence_note("fr"))


def test_info_unknown_id(capsys):
    code, out, err = run(capsys, "datasets", "info", "piscine", "--lang", "en")
    assert code == 2
    assert out == ""
    assert "Unknown dataset: 'piscine'" in err
    assert "piscines-montreal" in err


def test_fetch_prints_path(capsys, snapshot_dir):
    code, out, _ = run(capsys, "datasets", "fetch", "piscines-montreal")
    assert code == 0
    assert out.strip() == str(
        snapshot_dir / get_dataset("piscines-montreal").mirror_path
    )


def test_check_all_files(capsys):
    code, out, _ = run(capsys, "datasets", "check", "--lang", "en")
    ok_lines = [line for line in out.splitlines() if line.startswith("OK  ")]
    assert code == 0
    assert len(ok_lines) == len(list_datasets())


def test_check_goes_on_after_bad_file(capsys, tmp_path, snapshot_dir, monkeypatch):
    mirror = tmp_path / "mirror"
    bad = get_dataset("velos-compteurs")
    for dataset in list_datasets():
        target = mirror / dataset.mirror_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if dataset.id == bad.id:
            target.write_bytes(
                (snapshot_dir / dataset.mirror_path).read_bytes() + b"\r\n"
            )
        else:
            target.symlink_to(snapshot_dir / dataset.mirror_path)
    monkeypatch.setenv("DONNEESQC_MIRROR", str(mirror))
    code, out, _ = run(capsys, "datasets", "check", "--lang", "en")
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    ok_lines = [line for line in out.splitlines() if line.startswith("OK  ")]
    assert code == 1
    assert len(failed) == 1
    assert failed[0].startswith(f"FAILED  {bad.id}: Checksum mismatch")
    assert len(ok_lines) == len(list_datasets()) - 1


def test_format_size():
    assert cli.format_size(928_704, "fr") == "928,7\u00a0ko"
    assert cli.format_size(3_462_624, "en") == "3.5\u00a0MB"
    assert cli.format_size(999, "en") == "999\u00a0B"


# Accepting a new version.


def serve_changed_dataset(monkeypatch, tmp_path, base, path):
    monkeypatch.delenv("DONNEESQC_MIRROR", raising=False)
    monkeypatch.setenv("DONNEESQC_CACHE", str(tmp_path / "cache"))
    changed = dataclasses.replace(
        get_dataset("velos-compteurs"), download_url=f"{base}{path}"
    )
    registry_lookup = fetch_module.get_dataset
    monkeypatch.setattr(
        fetch_module,
        "get_dataset",
        lambda name: changed if name == changed.id else registry_lookup(name),
    )


def test_accept_records_new_version(capsys, tmp_path, snapshot_dir, monkeypatch):
    original = (snapshot_dir / get_dataset("velos-compteurs").mirror_path).read_bytes()
    new_version = original + b"999,,Nouveau,Actif,45.5,-73.6,2024\r\n"
    digest = hashlib.sha256(new_version).hexdigest()
    with serve({"/compteurs.csv": new_version}) as base:
        serve_changed_dataset(monkeypatch, tmp_path, base, "/compteurs.csv")
        code, out, err = run(
            capsys, "datasets", "accept", "velos-compteurs", "--lang", "en"
        )
    assert code == 0
    assert f"New version accepted (sha256 {digest})" in out
    assert digest in err
    assert accepted_versions()["velos-compteurs"]["sha256"] == digest


def test_accept_rejects_missing_columns(capsys, tmp_path, snapshot_dir, monkeypatch):
    original = (snapshot_dir / get_dataset("velos-compteurs").mirror_path).read_bytes()
    with serve({"/compteurs.csv": original.replace(b"Latitude", b"Lat", 1)}) as base:
        serve_changed_dataset(monkeypatch, tmp_path, base, "/compteurs.csv")
        code, _, err = run(
            capsys, "datasets", "accept", "velos-compteurs", "--lang", "en"
        )
    assert code == 1
    assert "lacks the columns ['Latitude']" in err
    assert accepted_versions() == {}


# Registering more commands.


@pytest.fixture
def registry_copy(monkeypatch):
    """Let a test register commands without changing the real command table."""
    monkeypatch.setattr(cli, "GROUPS", dict(cli.GROUPS))
    monkeypatch.setattr(
        cli, "COMMANDS", {name: dict(found) for name, found in cli.COMMANDS.items()}
    )


def test_registered_command_runs(capsys, registry_copy):
    cli.register_group("demo", help_fr="démonstration", help_en="demonstration")

    @cli.command(
        "demo",
        "echo",
        help_fr="répète un mot",
        help_en="repeat a word",
        arguments=(cli.Argument(("word",), help_fr="mot", help_en="word"),),
    )
    def demo_echo(args):
        print(args.word)
        return 0

    code, out, _ = run(capsys, "demo", "echo", "bonjour")
    assert code == 0
    assert out == "bonjour\n"


def test_registered_command_in_help(capsys, registry_copy):
    cli.register_group("demo", help_fr="démonstration", help_en="demonstration")
    _, out, _ = run(capsys, "--help", "--lang", "en")
    assert "demonstration" in out


def test_duplicate_command_rejected(registry_copy):
    with pytest.raises(ValueError, match="datasets list is already registered"):
        cli.command("datasets", "list", help_fr="x", help_en="x")(lambda args: 0)


def test_command_in_unknown_group_rejected(registry_copy):
    with pytest.raises(ValueError, match="Unknown command group 'nowhere'"):
        cli.command("nowhere", "x", help_fr="x", help_en="x")(lambda args: 0)
