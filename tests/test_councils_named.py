"""A question naming one of the indexed councils is answered from that council's documents.

Two small media policies written for these tests, of two made-up councils, say different things about
who may speak to the press; a shared service would index both side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.councils_named import named_in, narrowed
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder, only_documents

ASHBY = """Ashby Parva Parish Council
Media Policy

1. Speaking to the press
1.1 Only the Clerk may speak to the press on behalf of the council, after clearing any comment with the Chair.
"""
MARSTON = """Little Marston Town Council
Publicity and Media Policy

1. Speaking to the press
1.1 The Town Clerk and the deputy the Town Clerk names are the only staff who may speak to the press.
"""
UNNAMED = """Social Media Policy

1. Scope
1.1 This policy covers the council's own pages on social media, which the Clerk moderates.
"""
COUNCILS = {"ashby.txt": "Ashby Parva Parish Council", "marston.txt": "Little Marston Town Council", "own.txt": ""}


@pytest.fixture
def bot(tmp_path: Path, knowledge: Path) -> IndexedProtocolBot:
    only_documents(knowledge, {"ashby.txt": ASHBY, "marston.txt": MARSTON, "own.txt": UNNAMED})
    built = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    built.reindex()
    return built


def test_a_question_naming_a_council_is_answered_from_that_councils_documents(bot: IndexedProtocolBot) -> None:
    answer = bot.ask("which staff may speak to the press for little marston TC?")

    assert answer.citations[0].source == "marston.txt"
    assert "ashby.txt" not in {c.source for c in answer.nearest}


def test_a_question_naming_a_council_is_not_declined_because_another_council_words_the_subject_closer(
    bot: IndexedProtocolBot,
) -> None:
    answer = bot.ask("should the chair clear any comment before little marston speaks to the press?")

    assert not answer.out_of_scope and answer.citations[0].source == "marston.txt"


def test_the_same_question_naming_no_council_may_be_answered_from_either(bot: IndexedProtocolBot) -> None:
    answer = bot.ask("who may speak to the press on behalf of the council?")

    assert {"ashby.txt", "marston.txt"} <= {c.source for c in answer.nearest}


def test_a_council_is_named_by_its_place_name_in_any_case_and_with_a_possessive() -> None:
    assert named_in("under ashby parva's media policy, who speaks to the press?", COUNCILS) == {"ashby.txt", "own.txt"}


def test_words_every_question_has_name_no_council() -> None:
    assert named_in("what about the code of conduct?", {**COUNCILS, "page.txt": "About The Council"}) is None


def test_half_a_place_name_names_no_council() -> None:
    assert named_in("is the little room free on Tuesday?", COUNCILS) is None


def test_a_council_not_among_the_documents_narrows_nothing(bot: IndexedProtocolBot) -> None:
    answer = bot.ask("who may speak to the press for Wexcombe parish council?")

    assert {"ashby.txt", "marston.txt"} <= {c.source for c in answer.nearest}


def test_a_council_named_outside_the_documents_a_channel_may_use_narrows_nothing() -> None:
    in_channel = {"ashby.txt", "own.txt"}

    assert narrowed("who may speak to the press for little marston?", COUNCILS, in_channel) == in_channel
