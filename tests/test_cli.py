from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main as cli
from adapters.cli.main import FrontEnd, front_end
from bot import messages
from bot.service.ports import ProtocolBot
from bot.service.protocol_bot import IndexedProtocolBot
from bot.settings import PROJECT_ROOT
from bot.stores.feedback import cited_refs
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.fakes import FakeProtocolBot, mark_superseded


def run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None, *,
        bot: ProtocolBot | None = None) -> tuple[int, str]:
    out = io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(argv, out, bot=bot), out.getvalue()


def test_ask_prints_a_readable_answer_with_numbered_citations(fake_bot: IndexedProtocolBot) -> None:
    code, text = run(["ask", "Can a councillor give instructions to officers?"], bot=fake_bot)
    assert code == 0
    assert text.startswith(messages.LEAD_ANSWER.removesuffix(" says:"))
    assert "[1] " in text and "“" in text


def test_ask_json_prints_the_answer_as_json(fake_bot: IndexedProtocolBot) -> None:
    code, text = run(["ask", "--json", "Can a councillor give instructions to officers?"], bot=fake_bot)
    answer = json.loads(text)
    assert code == 0 and answer["out_of_scope"] is False
    assert {"source", "council", "title", "clause", "heading", "quote", "text", "score"} <= set(answer["citations"][0])


def test_ask_jsonl_answers_each_line_in_the_measured_format(
    fake_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [{"id": "a", "question": "Can a councillor instruct staff?"}, {"id": 7, "question": ""}]
    code, text = run(["ask", "--jsonl"], "\n".join(json.dumps(x) for x in lines) + "\n", monkeypatch, bot=fake_bot)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", 7]
    first = rows[0]
    assert set(first) == {"id", "question", "out_of_scope", "citations"}
    assert len(first["citations"]) >= 5
    assert set(first["citations"][0]) == {"source", "clause", "heading", "text", "quote", "score"}
    assert first["citations"][0]["source"].endswith(".txt")
    assert rows[1]["citations"] == [] and rows[1]["error"] == messages.EMPTY_QUESTION


def test_chat_answers_each_piped_line_and_shows_a_clause_in_full(
    fake_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = run(["chat"], "Can a councillor instruct staff?\nfull 1\nfull 9\n\n", monkeypatch, bot=fake_bot)
    assert code == 0
    assert text.count(messages.LEAD_ANSWER.removesuffix(" says:")) == 1
    assert "There is no citation 9" in text
    assert "Please type a question" in text


def test_eval_reports_recall_and_fails_below_the_required_recall(fake_bot: IndexedProtocolBot, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "1", "question": "Can councillors give instructions to officers?",
         "gold": [{"source": "001_a879d86bb0aeb3d5.txt", "snippet": "cannot give instructions to a Council employee"}]},
        {"id": "2", "question": "when is my bin collected?", "out_of_scope": True},
    ]))
    code, text = run(["eval", str(questions), "--min-recall-at-3", "1.01"], bot=fake_bot)
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


def test_help_starts_without_importing_torch_or_the_chat_sdks() -> None:
    probe = (
        "import sys; from adapters.cli.main import build_parser; build_parser(); "
        "print([m for m in ('torch', 'slack_bolt', 'botbuilder', 'microsoft_agents') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, FrontEnd.TERMINAL),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, FrontEnd.SLACK),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, FrontEnd.SLACK),
        ({"MicrosoftAppId": "5a2e6b0c-7d41-4f0e-9a53-3c1d2e4f5a6b"}, FrontEnd.TEAMS),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "MicrosoftAppId": "5a2e6b0c-7d41-4f0e-9a53-3c1d2e4f5a6b"}, FrontEnd.SLACK),
        ({"SLACK_BOT_TOKEN": " ", "MicrosoftAppId": "", "SLACK_APP_TOKEN": "xapp-1"}, FrontEnd.TERMINAL),
    ],
    ids=["nothing set", "slack", "slack token alone", "teams", "both: slack first", "blank values"],
)
def test_run_starts_the_platform_whose_settings_are_present_else_the_terminal(
    env: dict[str, str], expected: FrontEnd
) -> None:
    assert front_end(env) is expected


def test_slack_without_a_token_names_the_missing_setting_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # serving raises the log level; give it back afterwards
    code, text = run(["slack", "--port", "0"], bot=FakeProtocolBot())
    assert code == 2
    assert "SLACK_BOT_TOKEN" in text


def test_feedback_lists_what_people_said_from_the_configured_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "feedback.sqlite3"
    store = SqlFeedbackStore(database)
    answer = FakeProtocolBot().ask("Can I copy an email?")
    store.record(platform="slack", user="U1", question="Can I copy an email?", helpful=True,
                 citations=cited_refs(answer))
    store.record(platform="teams", user="U2", question="Who instructs the clerk?", helpful=False,
                 citations=cited_refs(answer))
    store.close()
    monkeypatch.setenv("PROTOCOL_BOT_FEEDBACK_DB", str(database))
    code, text = run(["feedback", "--limit", "1"])
    lines = text.splitlines()
    assert code == 0
    assert lines[0] == messages.FEEDBACK_RECENT
    assert "teams U2 not helpful: Who instructs the clerk?" in lines[1]
    assert "Can I copy an email?" not in text  # beyond the limit
    assert lines[-2:] == [messages.FEEDBACK_WORST, "  1 × 000_071d258fd975c70b.txt · - · CORRESPONDENCE"]


def test_feedback_says_so_when_nobody_has_given_any(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    assert run(["feedback"]) == (0, messages.FEEDBACK_NONE + "\n")


def test_ask_jsonl_answers_a_line_that_is_not_a_question_with_an_error_and_keeps_going(
    fake_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = run(["ask", "--jsonl"], 'not json\n[1, 2]\n{"id": "b", "question": "Can a councillor instruct staff?"}\n',
                     monkeypatch, bot=fake_bot)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0
    assert [(r["id"], r.get("error")) for r in rows] == [
        (None, messages.CLI_BAD_JSONL.format(number=1)), (None, messages.CLI_BAD_JSONL.format(number=2)), ("b", None),
    ]
    assert rows[2]["citations"]


@pytest.mark.parametrize("question", ["\ud83d", "can I \ud83d copy an email?", "\udcff\udcfe", "\x00\x1b[31m", "@here " * 5])
def test_ask_jsonl_answers_text_that_cannot_be_printed_and_every_later_line(
    fake_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    lines = [{"id": 1, "question": question}, {"id": 2, "question": "Can a councillor instruct staff?"}]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n"
    code, text = run(["ask", "--jsonl"], stdin, monkeypatch, bot=fake_bot)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == [1, 2]
    text.encode("utf-8")  # nothing left that cannot be written out
    assert rows[1]["citations"] and "error" not in rows[1]


def test_ask_jsonl_without_an_index_says_so_on_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes import HashingEmbedder

    empty = IndexedProtocolBot(PROJECT_ROOT / "knowledge", tmp_path / "index", tmp_path / "c.sqlite3", HashingEmbedder())
    stdin = '{"id": 1, "question": "Can I copy an email?"}\n{"id": 2, "question": "Who instructs the clerk?"}\n'
    code, text = run(["ask", "--jsonl"], stdin, monkeypatch, bot=empty)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0 and [(r["id"], r["error"]) for r in rows] == [(1, messages.INDEX_MISSING), (2, messages.INDEX_MISSING)]


@pytest.mark.parametrize("value", ["two", "0", "-1", "1.5"])
def test_a_bad_number_of_threads_stops_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_THREADS", value)
    code, text = run(["ask", "hello"])
    assert code == 2 and "PROTOCOL_BOT_THREADS" in text and value in text


def test_ask_cites_a_superseded_document_only_when_asked_to(
    fake_bot: IndexedProtocolBot, knowledge: Path
) -> None:
    old = "004_fbcb302b638d596d.txt"
    mark_superseded(knowledge, old, "000_071d258fd975c70b.txt")
    fake_bot.reindex()
    question = "Members should not put pressure on an Officer about delegated matters"
    _, plain = run(["ask", "--json", question], bot=fake_bot)
    _, everything = run(["ask", "--json", "--include-superseded", question], bot=fake_bot)
    assert old not in {c["source"] for c in json.loads(plain)["nearest"]}
    assert old in {c["source"] for c in json.loads(everything)["nearest"]}


def test_eval_of_an_empty_question_file_says_so_instead_of_failing(fake_bot: IndexedProtocolBot, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    code, text = run(["eval", str(empty)], bot=fake_bot)
    assert code == 2 and "has no questions" in text
