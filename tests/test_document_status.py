"""A question about a document itself — when it was adopted, when last reviewed — is answered from the
lines the document prints about that, quoted as they stand, instead of being declined.

A small media policy written for these tests, in the layout councils publish: title lines, then the
adoption and review lines, then numbered clauses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import messages
from bot.core import index_store
from bot.core.document_status import status_lines
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder, only_documents

POLICY = """Ashby Parva Parish Council
Media Policy
**Adopted by Full Council on 3 March 2021**
Last reviewed: May 2024

1. Speaking to the press
1.1 Only the Clerk may speak to the press on behalf of the council, after clearing any comment with the Chair.

2. Complaints about coverage
2.1 When a complaint about press coverage is reviewed by the committee, the complainant may bring a friend.
2.2 The committee meets in 2024 on the first Monday of each month.
"""


@pytest.fixture
def bot(tmp_path: Path, knowledge: Path) -> IndexedProtocolBot:
    only_documents(knowledge, {"media.txt": POLICY})
    built = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    built.reindex()
    return built


def test_the_adoption_and_review_lines_near_the_top_are_read_and_dated_clauses_below_are_not() -> None:
    assert status_lines(POLICY) == ("Adopted by Full Council on 3 March 2021", "Last reviewed: May 2024")


@pytest.mark.parametrize("question", [
    "when did we adopt the media policy?",
    "is the ashby parva media policy up to date?",
    "when was it last reviewed?",
])
def test_a_question_about_when_the_document_was_adopted_quotes_its_own_lines(
    bot: IndexedProtocolBot, question: str
) -> None:
    answer = bot.ask(question)

    assert not answer.out_of_scope
    first = answer.citations[0]
    assert (first.heading, first.source) == (messages.STATUS_HEADING, "media.txt")
    assert "3 March 2021" in first.quote and "May 2024" in first.quote


@pytest.mark.parametrize("question", [
    "when a complaint about coverage is reviewed by the committee, can the complainant bring someone?",
    "when was the budget adopted?",
])
def test_a_question_about_something_in_the_document_is_answered_from_its_clauses(
    bot: IndexedProtocolBot, question: str
) -> None:
    answer = bot.ask(question)

    assert all(c.heading != messages.STATUS_HEADING for c in answer.citations)


def test_an_index_built_before_the_lines_were_read_still_answers(
    bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "index" / index_store.current_version(tmp_path / "index")
    manifest = json.loads((folder / index_store.MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["documents"].values():
        del entry["own_status"]
    (folder / index_store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    older = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())

    assert older.ask("who may speak to the press?").citations[0].clause == "1.1"
    assert all(c.heading != messages.STATUS_HEADING for c in older.ask("when was it adopted?").citations)
