"""Versions in force: superseded documents stay out of answers, and overdue reviews are flagged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.cli import render
from bot import messages
from bot.answer import Scope
from bot.core.in_force import review_due
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder, mark_superseded

DOC_004 = "004_fbcb302b638d596d.txt"  # review "October 2025"
DOC_000 = "000_071d258fd975c70b.txt"
DELEGATION = "Members should not put pressure on an Officer with regard to delegated matters"


def on_day(day: date, knowledge: Path, tmp_path: Path) -> IndexedProtocolBot:
    """A bot serving the index `fake_bot` built, judging review dates as if today were `day`."""
    return IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                              today=lambda: day)


@pytest.mark.parametrize(("written", "as_written", "first_day_past"), [
    ("October 2025", "October 2025", date(2025, 11, 1)),
    ("July 2028 or sooner if required", "July 2028", date(2028, 8, 1)),
    ("December 2025", "December 2025", date(2026, 1, 1)),
    ("15 July 2025", "15 July 2025", date(2025, 7, 16)),
    ("1st Sept. 2024", "1st Sept. 2024", date(2024, 9, 2)),
    ("oct 2025", "oct 2025", date(2025, 11, 1)),
])
def test_a_review_field_that_starts_with_a_date_is_read_from_that_date(
    written: str, as_written: str, first_day_past: date
) -> None:
    assert review_due(written) == (as_written, first_day_past)


@pytest.mark.parametrize("written", ["", "annually", "when the law changes", "31 February 2025", "Spring 2026"])
def test_a_review_field_without_a_leading_date_gives_no_date(written: str) -> None:
    assert review_due(written) is None


def test_a_document_past_its_review_date_is_cited_with_a_note(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    answer = on_day(date(2025, 11, 1), knowledge, tmp_path).ask(DELEGATION)

    [cited] = [c for c in answer.citations if c.source == DOC_004]
    assert cited.note == messages.NOTE_REVIEW_OVERDUE.format(review="October 2025") == "review due October 2025"


@pytest.mark.parametrize("day", [date(2025, 10, 31), date(2024, 12, 1)])
def test_a_document_not_yet_past_its_review_date_has_no_note(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path, day: date
) -> None:
    answer = on_day(day, knowledge, tmp_path).ask(DELEGATION)

    assert [c.note for c in answer.citations if c.source == DOC_004] == [None]


def test_the_terminal_shows_the_review_note_beside_the_citation(
    fake_bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    text = render.answer_text(on_day(date(2026, 1, 5), knowledge, tmp_path).ask(DELEGATION))

    assert "[review due October 2025]" in text


def test_a_superseded_document_is_never_cited_unless_asked_for(fake_bot: IndexedProtocolBot, knowledge: Path) -> None:
    assert DOC_004 in {c.source for c in fake_bot.ask(DELEGATION).citations}
    mark_superseded(knowledge, DOC_004, DOC_000)
    fake_bot.reindex()

    answer = fake_bot.ask(DELEGATION)
    everything = fake_bot.ask(DELEGATION, Scope(include_superseded=True))

    assert DOC_004 not in {c.source for c in answer.citations + answer.nearest}
    [cited] = [c for c in everything.citations if c.source == DOC_004]
    assert cited.note is not None and messages.NOTE_SUPERSEDED.format(successor=DOC_000) in cited.note


def test_a_scope_limits_answers_to_its_documents(fake_bot: IndexedProtocolBot) -> None:
    answer = fake_bot.ask(DELEGATION, Scope(documents=frozenset({DOC_000})))

    assert {c.source for c in answer.citations + answer.nearest} <= {DOC_000}
