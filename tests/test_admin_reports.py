"""The plain-text admin reports: index status, and the feedback listing behind `protocol-bot feedback`."""

from __future__ import annotations

from pathlib import Path

from bot import messages
from bot.service.feedback_report import render_feedback
from bot.service.status_report import render_status
from bot.stores.feedback import cited_refs
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.fakes import FakeProtocolBot


def test_status_names_the_index_its_build_and_every_document_with_its_clause_count() -> None:
    text = render_status(FakeProtocolBot().status())
    assert text.splitlines()[0] == "Index v-test, built 2026-11-23T20:00:00+00:00 with model fake-model."
    assert "  Ilminster Town Council — Councillor-Officer Protocol: 120 clauses" in text
    assert "  Member / Officer Protocol (Code of Conduct): 40 clauses (adopted October 2024" in text


def test_feedback_lists_recent_verdicts_comments_and_the_clauses_most_often_unhelpful(tmp_path: Path) -> None:
    store = SqlFeedbackStore(tmp_path / "f.sqlite3")
    answer = FakeProtocolBot().ask("Can I copy an email?")
    store.record(platform="slack", user="U1", question="Can I copy an email?", helpful=True,
                 citations=cited_refs(answer))
    worst = store.record(platform="teams", user="U2", question="Who instructs the clerk?", helpful=False,
                         citations=cited_refs(answer)[1:])
    store.add_comment(worst, "Wrong clause")
    text = render_feedback(store, limit=10)
    store.close()
    lines = text.splitlines()
    assert lines[0] == messages.FEEDBACK_RECENT
    assert lines[1].startswith(f"  #{worst} ") and "teams U2 not helpful: Who instructs the clerk?" in lines[1]
    assert "      comment: Wrong clause" in lines
    assert "slack U1 helpful: Can I copy an email?" in text
    assert "  1 × 004_fbcb302b638d596d.txt · 20 · Relationships between Members & Officers" in lines


def test_feedback_says_so_when_there_is_none(tmp_path: Path) -> None:
    store = SqlFeedbackStore(tmp_path / "f.sqlite3")
    assert render_feedback(store) == messages.FEEDBACK_NONE
    store.close()
