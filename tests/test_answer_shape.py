"""What a councillor reads: a limit quoted with the right it limits, no citation that adds nothing, and
sources named by what they call themselves.

The real core over a small protocol written for these tests, with the hashing embedder, so what is
checked is how an answer is put together rather than how well a model ranks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.answering import QUOTE_GAP, Calibration
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder, only_documents

PROTOCOL = """Ashby Parva Parish Council
Protocol on Councillors and Staff

1. Introduction
1.1 The purpose of this protocol is to set out how councillors and staff deal with press releases and council documents.

2. Council documents
2.1 Councillors have a right to inspect any council document they need for their duties as a councillor. \
Requests go to the Clerk in writing. Councillors have no right to browse any council document.

3. Press releases
3.1 Press releases about councillors are drafted by staff and agreed with the councillors concerned.

4. Meetings
4.1 Agendas are published three clear days before each meeting. The Clerk writes up minutes within ten \
working days. Minutes are approved at the next meeting. Members of the public may speak for three minutes \
each in the public session at the start. Recordings of meetings are allowed if the Chair is told beforehand. \
Papers for closed items are printed on pink paper and collected at the end of the meeting.
"""
# every one of the first three clauses would be shown, so what is left out is left out for what it says
SHOW_ALL = Calibration(min_similarity=0.0, not_covered_margin=1.0, unanswered_margin=1.0, shown_margin=1.0)


def _over(tmp_path: Path, knowledge: Path, name: str, text: str) -> IndexedProtocolBot:
    """The core over one document alone."""
    only_documents(knowledge, {name: text})
    built = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                               calibration=SHOW_ALL)
    built.reindex()
    return built


@pytest.fixture
def bot(tmp_path: Path, knowledge: Path) -> IndexedProtocolBot:
    return _over(tmp_path, knowledge, "press_and_documents.txt", PROTOCOL)


def test_a_right_is_quoted_with_the_limit_on_it(bot: IndexedProtocolBot) -> None:
    answer = bot.ask("can councillors inspect any council document they like?")
    first = answer.citations[0]
    assert first.clause == "2.1"
    assert "right to inspect any council document" in first.quote and "no right to browse any council document" in first.quote


def test_a_sentence_about_the_document_itself_is_not_shown_after_the_answer(bot: IndexedProtocolBot) -> None:
    answer = bot.ask("who drafts press releases about councillors?")
    assert answer.citations[0].clause == "3.1"
    assert "1.1" in [c.clause for c in answer.nearest[:3]]
    assert "1.1" not in [c.clause for c in answer.citations]


def test_a_source_the_catalogue_does_not_describe_is_named_by_its_own_title_lines(bot: IndexedProtocolBot) -> None:
    first = bot.ask("who drafts press releases about councillors?").citations[0]
    assert (first.council, first.title) == ("Ashby Parva Parish Council", "Protocol on Councillors and Staff")


def test_a_short_clause_is_quoted_whole_so_nothing_around_the_answer_is_cut(bot: IndexedProtocolBot) -> None:
    first = bot.ask("how do I ask the Clerk to see a council document?").citations[0]
    assert first.clause == "2.1"
    assert first.quote == first.text


def test_a_long_clause_is_quoted_by_the_sentence_that_answers(bot: IndexedProtocolBot) -> None:
    first = bot.ask("when are the minutes approved?").citations[0]
    assert first.clause == "4.1"
    assert "Minutes are approved at the next meeting." in first.quote
    assert "pink paper" not in first.quote


COMPLAINTS = """Fenwold Parish Council
Complaints Procedure

1. Making a complaint
1.1 If you wish to make a complaint about the council's services or facilities please contact the office, \
where someone will be pleased to help you. You can reach the office in person, by post or by email during \
its opening hours, which are shown on the noticeboard. Complaints of a serious matter go to the Clerk. \
Complaints about councillors must be made in writing.
"""


def test_the_sentence_naming_what_the_asker_named_is_quoted_beside_the_closest_one(
    tmp_path: Path, knowledge: Path
) -> None:
    bot = _over(tmp_path, knowledge, "complaints.txt", COMPLAINTS)
    first = bot.ask("should I contact the office, where someone will help, about a councillor complaint?").citations[0]
    assert "please contact the office" in first.quote and "must be made in writing" in first.quote


# Each paragraph numbered "1." as a web page pasted it: each stands alone as a clause under its heading.
FALLBACK = """Thornbury Marsh Parish Council
Complaints Procedure

Before the meeting

  1. Write your complaint to the Clerk, unless the Council has named another officer for it (as it will \
when the complaint concerns the Clerk).

  1. Should this not suit you, or you would rather not write to the Clerk or that officer, then address \
your complaint to the Chair of the Parish Council.

  1. The Council will send you its papers five working days before the meeting.
"""


def test_a_paragraph_pointing_back_at_the_one_before_is_quoted_after_it_so_a_fallback_never_reads_as_the_rule(
    tmp_path: Path, knowledge: Path
) -> None:
    bot = _over(tmp_path, knowledge, "complaints.txt", FALLBACK)
    answer = bot.ask("should this not suit me, who do I address my complaint to, the Chair?")
    assert answer.nearest[0].quote.startswith("Should this not suit you")
    rule, fallback = answer.citations[0].quote.split(QUOTE_GAP)
    assert rule.startswith("Write your complaint to the Clerk") and rule.endswith("concerns the Clerk).")
    assert fallback.startswith("Should this not suit you")
    assert all("Write your complaint" not in c.quote for c in answer.citations[1:])


def test_a_paragraph_that_stands_alone_is_shown_without_the_one_before(tmp_path: Path, knowledge: Path) -> None:
    bot = _over(tmp_path, knowledge, "complaints.txt", FALLBACK)
    answer = bot.ask("how many working days before the meeting will the Council send its papers?")
    assert answer.citations[0].quote.startswith("The Council will send you its papers")


# A typed page: the council's name in capitals above the title, and paragraphs that open with their subject.
TYPED = """ASHBY PARVA PARISH COUNCIL

STANDING ORDERS (March 2025)

MEETINGS - Ordinary meetings are held on the first Tuesday of each month at 7.30 pm. The draft minutes of \
the last meeting are sent to members five days before the next meeting.
EXTRA MEETINGS - The Chair may call an extra meeting at any time.
"""


def test_a_clause_under_nothing_but_the_councils_name_is_not_labelled_with_it(tmp_path: Path, knowledge: Path) -> None:
    bot = _over(tmp_path, knowledge, "standing_orders.txt", TYPED)
    first = bot.ask("how many days before the meeting are the draft minutes sent?").citations[0]
    assert first.council == "Ashby Parva Parish Council" and "five days" in first.quote
    assert first.heading is None and "ASHBY" not in first.label
