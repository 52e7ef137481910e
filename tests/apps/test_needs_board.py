"""Tests of the data-needs board on real SQLite files, threads and processes."""

import csv
import io
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from widgets.needs_board import LIMITS, BoardInputError, NeedsBoard, default_path

HOSTILE_TITLE = "<script>alert('x')</script>"
SQL_FRAGMENT = "'); DROP TABLE requests; --"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def board(tmp_path):
    return NeedsBoard(tmp_path / "board.sqlite3")


def test_wal_mode(board):
    connection = sqlite3.connect(board.path)
    mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    assert mode == "wal"


def test_default_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DONNEESQC_BOARD_DB", str(tmp_path / "x.sqlite3"))
    assert default_path() == tmp_path / "x.sqlite3"


def test_default_path_user_data(monkeypatch):
    monkeypatch.delenv("DONNEESQC_BOARD_DB", raising=False)
    assert "donneesqc-course" in str(default_path())


def test_ranking_by_votes_then_age(board):
    first = board.propose("Horaires des bibliothèques", "Planifier mes visites")
    second = board.propose("Qualité de l'eau des plages", "Baignade", use="indirect")
    third = board.propose("Déneigement en temps réel", "Déplacements")
    board.vote(second, "alice")
    board.vote(second, "bruno")
    board.vote(third, "alice")
    ranked = board.ranked()
    assert [request.id for request in ranked] == [second, third, first]
    assert [request.votes for request in ranked] == [2, 1, 0]


def test_one_vote_per_voter(board):
    request_id = board.propose("Arbres publics", "Ombre")
    assert board.vote(request_id, "Alice")
    assert not board.vote(request_id, "alice ")
    assert board.get(request_id).votes == 1


def test_has_voted(board):
    request_id = board.propose("Arbres publics", "Ombre")
    board.vote(request_id, "alice")
    assert board.has_voted(request_id, "ALICE")
    assert not board.has_voted(request_id, "bruno")


def test_hostile_text_stored_verbatim(board):
    request_id = board.propose(HOSTILE_TITLE, SQL_FRAGMENT, publisher=SQL_FRAGMENT)
    request = board.get(request_id)
    assert request.title == HOSTILE_TITLE
    assert request.reason == SQL_FRAGMENT
    assert len(board.ranked()) == 1


def test_huge_text_rejected(board):
    with pytest.raises(BoardInputError):
        board.propose("x" * (LIMITS["title"] + 1), "raison")
    with pytest.raises(BoardInputError):
        board.propose("titre", "y" * 1_000_000)
    assert board.ranked() == []


def test_control_characters_removed(board):
    request_id = board.propose("A\x00B\x1bC\nD", "ligne 1\r\nligne 2\x07")
    request = board.get(request_id)
    assert request.title == "ABC D"
    assert request.reason == "ligne 1\nligne 2"


def test_empty_title_rejected(board):
    with pytest.raises(BoardInputError) as info:
        board.propose("   ", "raison")
    assert "required" in info.value.message_en


def test_invalid_use_rejected(board):
    with pytest.raises(BoardInputError):
        board.propose("titre", "raison", use="both")


def test_empty_voter_rejected(board):
    request_id = board.propose("titre", "raison")
    with pytest.raises(BoardInputError):
        board.vote(request_id, "  ")


def test_vote_unknown_request_rejected(board):
    with pytest.raises(BoardInputError):
        board.vote(999, "alice")


def test_hide_and_show(board):
    request_id = board.propose("titre", "raison")
    board.hide(request_id)
    assert board.ranked() == []
    board.hide(request_id, hidden=False)
    assert [request.id for request in board.ranked()] == [request_id]


def test_vote_on_hidden_rejected(board):
    request_id = board.propose("titre", "raison")
    board.hide(request_id)
    with pytest.raises(BoardInputError):
        board.vote(request_id, "alice")


def test_merge_moves_votes_once(board):
    kept = board.propose("Pistes cyclables", "Vélo")
    duplicate = board.propose("Réseau cyclable", "Vélo aussi")
    board.vote(kept, "alice")
    board.vote(duplicate, "alice")
    board.vote(duplicate, "bruno")
    board.merge(duplicate, kept)
    ranked = board.ranked()
    assert [request.id for request in ranked] == [kept]
    assert ranked[0].votes == 2
    assert board.get(duplicate).merged_into == kept


def test_merge_into_itself_rejected(board):
    request_id = board.propose("titre", "raison")
    with pytest.raises(BoardInputError):
        board.merge(request_id, request_id)


def test_merge_twice_rejected(board):
    kept = board.propose("a", "r")
    duplicate = board.propose("b", "r")
    board.merge(duplicate, kept)
    with pytest.raises(BoardInputError):
        board.merge(duplicate, kept)


def test_mark_published(board):
    request_id = board.propose("titre", "raison")
    board.mark_published(request_id, "https://www.donneesquebec.ca/recherche/dataset/x")
    request = board.get(request_id)
    assert request.status == "published"
    assert request.published_url.endswith("/dataset/x")


def test_mark_published_rejects_script_url(board):
    request_id = board.propose("titre", "raison")
    with pytest.raises(BoardInputError):
        board.mark_published(request_id, "javascript:alert(1)")


def test_export_csv_neutralises_formulas(board):
    board.propose('=HYPERLINK("http://x")', "+1", publisher="@SUM(A1)")
    board.propose(HOSTILE_TITLE, SQL_FRAGMENT)
    rows = list(csv.DictReader(io.StringIO(board.export_csv())))
    assert len(rows) == 2
    titles = {row["title"] for row in rows}
    assert '\'=HYPERLINK("http://x")' in titles
    assert HOSTILE_TITLE in titles
    first = next(row for row in rows if row["title"].startswith("'="))
    assert first["reason"] == "'+1"
    assert first["publisher"] == "'@SUM(A1)"


def test_concurrent_threads_lose_nothing(board):
    threads_count, per_thread = 8, 15
    errors = []

    def work(number: int) -> None:
        try:
            local = NeedsBoard(board.path)
            for index in range(per_thread):
                request_id = local.propose(f"t{number}-{index}", "charge")
                local.vote(request_id, f"voter-{number}")
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(number,)) for number in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ranked = board.ranked()
    assert len(ranked) == threads_count * per_thread
    assert sum(request.votes for request in ranked) == threads_count * per_thread


def test_concurrent_votes_same_request(board):
    request_id = board.propose("populaire", "tout le monde vote")
    voters = [f"learner-{number}" for number in range(40)]

    def vote(voter: str) -> None:
        NeedsBoard(board.path).vote(request_id, voter)
        NeedsBoard(board.path).vote(request_id, voter)

    threads = [threading.Thread(target=vote, args=(voter,)) for voter in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert board.get(request_id).votes == len(voters)


WORKER = """
import sys
from widgets.needs_board import NeedsBoard
board = NeedsBoard(sys.argv[1])
number, count = int(sys.argv[2]), int(sys.argv[3])
for index in range(count):
    request_id = board.propose(f"p{number}-{index}", "processus")
    board.vote(request_id, f"process-{number}")
"""


def test_concurrent_processes_lose_nothing(board):
    processes_count, per_process = 4, 20
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH", "")])
    )
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(board.path),
                str(number),
                str(per_process),
            ],
            env=env,
        )
        for number in range(processes_count)
    ]
    codes = [process.wait(timeout=120) for process in processes]
    assert codes == [0] * processes_count
    ranked = board.ranked()
    assert len(ranked) == processes_count * per_process
    assert sum(request.votes for request in ranked) == processes_count * per_process


def test_missing_request_id_rejected(board):
    with pytest.raises(BoardInputError) as info:
        board.hide(None)
    assert "Invalid request number" in info.value.message_en
