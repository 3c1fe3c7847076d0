from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main as cli
from bot.service import IndexedProtocolBot
from bot.settings import PROJECT_ROOT


@pytest.fixture
def use_bot(monkeypatch: pytest.MonkeyPatch, fake_bot: IndexedProtocolBot) -> IndexedProtocolBot:
    monkeypatch.setattr(cli, "_bot", lambda settings: fake_bot)
    return fake_bot


def run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    out = io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(argv, out), out.getvalue()


def test_ask_prints_a_readable_answer_with_numbered_citations(use_bot: IndexedProtocolBot) -> None:
    code, text = run(["ask", "Can a councillor give instructions to officers?"])
    assert code == 0
    assert text.startswith("Here is what the protocol")
    assert "[1] " in text and "“" in text


def test_ask_json_prints_the_answer_as_json(use_bot: IndexedProtocolBot) -> None:
    code, text = run(["ask", "--json", "Can a councillor give instructions to officers?"])
    answer = json.loads(text)
    assert code == 0 and answer["out_of_scope"] is False
    assert {"source", "council", "title", "clause", "heading", "quote", "text", "score"} <= set(answer["citations"][0])


def test_ask_jsonl_answers_each_line_in_the_measured_format(use_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [{"id": "a", "question": "Can a councillor instruct staff?"}, {"id": 7, "question": ""}]
    code, text = run(["ask", "--jsonl"], "\n".join(json.dumps(x) for x in lines) + "\n", monkeypatch)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", 7]
    first = rows[0]
    assert set(first) == {"id", "question", "out_of_scope", "citations"}
    assert len(first["citations"]) >= 5
    assert set(first["citations"][0]) == {"source", "clause", "heading", "text", "quote", "score"}
    assert first["citations"][0]["source"].endswith(".txt")
    assert rows[1]["citations"] == []


def test_chat_answers_each_piped_line_and_shows_a_clause_in_full(use_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = run(["chat"], "Can a councillor instruct staff?\nfull 1\nfull 9\n\n", monkeypatch)
    assert code == 0
    assert text.count("Here is what the protocol") == 1
    assert "There is no citation 9" in text
    assert "Please type a question" in text


def test_eval_reports_recall_and_fails_below_the_required_recall(use_bot: IndexedProtocolBot, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "1", "question": "Can councillors give instructions to officers?",
         "gold": [{"source": "001_a879d86bb0aeb3d5.txt", "snippet": "cannot give instructions to a Council employee"}]},
        {"id": "2", "question": "when is my bin collected?", "out_of_scope": True},
    ]))
    code, text = run(["eval", str(questions), "--min-recall-at-3", "1.01"])
    assert code == 1
    for metric in ("Recall@1", "Recall@3", "Recall@5", "MRR@10", "abstention", "false abstention", "p95"):
        assert metric in text
    assert "FAIL" in text


def test_a_missing_index_is_reported_in_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "adapters.cli.main", "ask", "hello there"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "make index" in done.stdout and "Traceback" not in done.stderr


def test_help_starts_without_importing_torch() -> None:
    probe = "import sys; from adapters.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"
