"""Admins teach the bot: a correction fixes an answer from the next question on, for everyone, and
follows the documents when they change. The real core over the shipped documents, hashing embedder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.cli import main as cli
from bot import messages
from bot.core.answering import Calibration
from bot.errors import CorrectionError
from bot.service.protocol_bot import IndexedProtocolBot
from bot.stores.feedback import cited_refs
from bot.stores.file_corrections import FILE_NAME
from bot.stores.sql_feedback import SqlFeedbackStore
from tests.fakes import HashingEmbedder

ILMINSTER_DOC = "001_a879d86bb0aeb3d5.txt"
WRONG = "is a councillor allowed to text the town clerk late at night?"
LIKE_IT = "is a councillor allowed to text the town clerk at night?"
UNRELATED = "Can a councillor use council stationery for their own business?"
LENIENT = Calibration(min_similarity=0.0, not_covered_margin=1.0)


@pytest.fixture
def bot(tmp_path: Path, knowledge: Path) -> IndexedProtocolBot:
    built = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                               calibration=LENIENT)
    built.reindex()
    return built


def top(bot: IndexedProtocolBot, question: str) -> tuple[str, str | None]:
    citation = bot.ask(question).nearest[0]
    return citation.source, citation.clause


def test_a_taught_question_is_answered_by_its_clause_from_the_next_question_on(bot: IndexedProtocolBot) -> None:
    assert top(bot, WRONG) != (ILMINSTER_DOC, "2.3")
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")
    assert top(bot, LIKE_IT) == (ILMINSTER_DOC, "2.3")


def test_a_correction_leaves_unrelated_questions_as_they_were(bot: IndexedProtocolBot) -> None:
    before = [(c.source, c.clause) for c in bot.ask(UNRELATED).nearest]
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    assert [(c.source, c.clause) for c in bot.ask(UNRELATED).nearest] == before


def test_the_quote_is_the_part_of_the_clause_the_correction_names(bot: IndexedProtocolBot) -> None:
    bot.teach(WRONG, by="U0CLERK", source="002_f0618532f7b6a44a.txt", quote="respect the other's free time")
    cited = bot.ask(WRONG).nearest[0]
    assert "free time" in cited.quote


def test_a_not_covered_correction_declines_the_question_and_ones_like_it(bot: IndexedProtocolBot) -> None:
    bot.teach(WRONG, by="U0CLERK", not_covered=True)
    assert bot.ask(WRONG).out_of_scope and bot.ask(LIKE_IT).out_of_scope
    assert not bot.ask(UNRELATED).out_of_scope


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"source": "nonesuch.txt", "clause": "1"}, "no document called nonesuch.txt"),
        ({"source": ILMINSTER_DOC, "clause": "99.9"}, "has no clause 99.9"),
        ({"source": ILMINSTER_DOC, "quote": "words that are in no clause"}, "No clause of"),
        ({"source": ILMINSTER_DOC}, "Say what answers"),
        ({}, "Say what answers"),
    ],
)
def test_a_correction_naming_what_does_not_exist_is_refused_saying_why(
    bot: IndexedProtocolBot, knowledge: Path, kwargs: dict[str, str], problem: str
) -> None:
    with pytest.raises(CorrectionError, match=problem):
        bot.teach(WRONG, by="U0CLERK", **kwargs)
    assert not (knowledge / FILE_NAME).exists()


def test_an_empty_question_is_refused(bot: IndexedProtocolBot) -> None:
    with pytest.raises(CorrectionError, match=messages.TEACH_NO_QUESTION):
        bot.teach("   ", by="U0CLERK", not_covered=True)


def test_a_malformed_file_keeps_the_last_good_corrections_serving_and_says_so(
    bot: IndexedProtocolBot, knowledge: Path
) -> None:
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")
    good = (knowledge / FILE_NAME).read_text(encoding="utf-8")
    (knowledge / FILE_NAME).write_text(good + "\n[[corrections]]\nquestion = 7\n", encoding="utf-8")
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")
    assert any("correction 2" in note for note in bot.status().notes)
    assert (knowledge / FILE_NAME).read_text(encoding="utf-8").startswith(good)  # nothing lost


def test_a_reworded_clause_keeps_its_corrections_and_a_vanished_one_is_reported(
    bot: IndexedProtocolBot, knowledge: Path
) -> None:
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    bot.teach("who may inspect a document about their own interests?", by="U0CLERK", source=ILMINSTER_DOC,
              clause="2.6")
    document = knowledge / "protocols" / ILMINSTER_DOC
    text = document.read_text(encoding="utf-8")
    assert "2.3\tA Councillor acting as an individual cannot give instructions" in text
    reworded = text.replace("2.3\tA Councillor acting as an individual cannot give instructions",
                            "2.3\tA Councillor acting as an individual may not give instructions")
    gone = "\n".join(line for line in reworded.splitlines() if not line.startswith("2.6"))
    document.write_text(gone, encoding="utf-8")
    summary = bot.reindex().summary
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")
    assert "may not give instructions" in (knowledge / FILE_NAME).read_text(encoding="utf-8")  # re-pointed
    assert "1 corrections now point at reworded clauses" in summary
    assert messages.CORRECTIONS_STALE.format(count=1, questions="“who may inspect a document about their own "
                                                                "interests?”") in summary
    assert any("no longer exist" in note for note in bot.status().notes)


def test_a_close_rewording_of_a_taught_question_is_answered_by_its_clause_not_declined(
    tmp_path: Path, knowledge: Path
) -> None:
    strict = Calibration(min_similarity=0.9, not_covered_margin=0.05)  # nothing in the documents is close enough
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                             calibration=strict)
    bot.reindex()
    reworded = "may councillors text the town clerk after work?"
    assert bot.ask(reworded).out_of_scope
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    answer = bot.ask(reworded)
    assert not answer.out_of_scope and (answer.citations[0].source, answer.citations[0].clause) == (ILMINSTER_DOC, "2.3")


def test_a_reindex_from_the_terminal_re_points_a_correction_whose_clause_was_reworded(
    bot: IndexedProtocolBot, knowledge: Path
) -> None:
    bot.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    document = knowledge / "protocols" / ILMINSTER_DOC
    document.write_text(document.read_text(encoding="utf-8").replace(
        "2.3\tA Councillor acting as an individual cannot give instructions",
        "2.3\tA Councillor acting as an individual may not give instructions"), encoding="utf-8")
    out = io.StringIO()
    assert cli.main(["index"], out, bot=bot) == 0
    assert "1 corrections now point at reworded clauses" in out.getvalue()
    assert "may not give instructions" in (knowledge / FILE_NAME).read_text(encoding="utf-8")
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")


def test_a_correction_written_by_another_process_is_used_by_the_next_question(
    bot: IndexedProtocolBot, knowledge: Path, tmp_path: Path
) -> None:
    other = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                               calibration=LENIENT)
    other.teach(WRONG, by="U0CLERK", source=ILMINSTER_DOC, clause="2.3")
    assert top(bot, WRONG) == (ILMINSTER_DOC, "2.3")


def run(argv: list[str], bot: IndexedProtocolBot) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(argv, out, bot=bot), out.getvalue()


def test_teach_from_the_terminal_lists_and_removes_corrections(bot: IndexedProtocolBot) -> None:
    code, text = run(["teach", "--question", WRONG, "--source", ILMINSTER_DOC, "--clause", "2.3"], bot)
    assert code == 0 and "Taught:" in text
    assert run(["teach", "--question", "what is the mileage rate?", "--not-covered"], bot)[0] == 0
    _, listed = run(["teach", "--list"], bot)
    assert listed.splitlines()[0].startswith("  1. “is a councillor allowed") and "not covered" in listed
    code, removed = run(["teach", "--remove", "2"], bot)
    assert code == 0 and "mileage" in removed
    assert run(["teach", "--remove", "5"], bot) == (2, messages.TEACH_NO_SUCH.format(number=5) + "\n")


def test_teach_takes_the_question_from_a_thumbs_down(
    bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "feedback.sqlite3"
    store = SqlFeedbackStore(database)
    feedback_id = store.record(platform="slack", user="U1", question=WRONG, helpful=False,
                               citations=cited_refs(bot.ask(WRONG)))
    store.close()
    monkeypatch.setenv("PROTOCOL_BOT_FEEDBACK_DB", str(database))
    code, _ = run(["teach", "--feedback", str(feedback_id), "--source", ILMINSTER_DOC, "--clause", "2.3"], bot)
    assert code == 0 and top(bot, WRONG) == (ILMINSTER_DOC, "2.3")
    assert run(["teach", "--feedback", "999", "--not-covered"], bot)[0] == 2


UNNUMBERED_DOC = "000_071d258fd975c70b.txt"  # the Ilminster protocol: 56 clauses, none numbered
PRINCIPLE = "Close personal relationships between councillors and officers can confuse their separate roles"


def test_an_unnumbered_clause_is_taught_by_its_heading_and_kept_when_the_clause_is_reworded(
        bot: IndexedProtocolBot, knowledge: Path) -> None:
    made = bot.teach(WRONG, by="U0CLERK", source=UNNUMBERED_DOC, clause="Some general principles")
    assert made.clause is None and made.quote is not None and made.quote.startswith(PRINCIPLE)
    first = bot.ask(WRONG).nearest[0]
    assert (first.source, first.heading) == (UNNUMBERED_DOC, "Some general principles")
    document = knowledge / "protocols" / UNNUMBERED_DOC
    document.write_text(document.read_text(encoding="utf-8").replace("can confuse their", "may confuse their"),
                        encoding="utf-8")
    bot.reindex()
    assert bot.ask(WRONG).nearest[0].text.startswith(PRINCIPLE.replace("can confuse", "may confuse"))


def test_naming_a_clause_an_unnumbered_document_lacks_says_how_to_name_one_instead_of_an_empty_list(
        bot: IndexedProtocolBot) -> None:
    with pytest.raises(CorrectionError) as refused:
        bot.teach(WRONG, by="U0CLERK", source=UNNUMBERED_DOC, clause="2.3")
    assert str(refused.value) == messages.TEACH_UNKNOWN_UNNUMBERED.format(source=UNNUMBERED_DOC, clause="2.3")
