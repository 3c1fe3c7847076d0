"""Questions about council business the protocols do not cover are declined, whatever the council.

Runs the real core with the hashing embedder, so what is checked is the mechanism: the topics in
knowledge/not_covered.toml, the calibration that weighs them, and what an admin sees when the file
is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import messages
from bot.core.answering import Calibration
from bot.errors import IndexUnavailable, ReindexFailed
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder

BINS = "when is the bin collection day for recycling in my street?"
# Low enough that closeness to the documents alone never declines a question here.
LENIENT = Calibration(min_similarity=0.0, not_covered_margin=0.0)


def _bot(tmp_path: Path, knowledge: Path, calibration: Calibration = LENIENT) -> IndexedProtocolBot:
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                             calibration=calibration)
    bot.reindex()
    return bot


def test_a_question_nearer_a_not_covered_topic_than_any_clause_is_declined(tmp_path: Path, knowledge: Path) -> None:
    answer = _bot(tmp_path, knowledge).ask(BINS)
    assert answer.out_of_scope and answer.citations == ()
    assert len(answer.nearest) >= 5  # the nearest clauses are still there for an admin to see


def test_without_the_topics_the_same_question_is_answered_from_the_nearest_clause(
    tmp_path: Path, knowledge: Path
) -> None:
    (knowledge / "not_covered.toml").unlink()
    assert not _bot(tmp_path, knowledge).ask(BINS).out_of_scope


def test_a_protocol_question_is_still_answered_beside_the_topics(tmp_path: Path, knowledge: Path) -> None:
    answer = _bot(tmp_path, knowledge).ask("can a councillor give instructions to an officer?")
    assert not answer.out_of_scope and answer.citations


def test_an_admin_adds_a_topic_of_their_own_and_it_is_declined_after_a_reindex(tmp_path: Path, knowledge: Path) -> None:
    question = "how do I hire the bandstand in the memorial gardens?"
    bot = _bot(tmp_path, knowledge)
    assert not bot.ask(question).out_of_scope
    path = knowledge / "not_covered.toml"
    added = 'topics = [\n  "hiring the bandstand in the memorial gardens",'
    path.write_text(path.read_text(encoding="utf-8").replace("topics = [", added), encoding="utf-8")
    bot.reindex()
    assert bot.ask(question).out_of_scope


@pytest.mark.parametrize("content", ['topics = "bins"', "topics = [1, 2]", "topics = [", "\xff", "off_topic = 3",
                                     "[council_business]\ntopics = [true]"])
def test_a_malformed_topics_file_fails_the_reindex_by_name_and_the_old_index_keeps_serving(
    tmp_path: Path, knowledge: Path, content: str
) -> None:
    bot = _bot(tmp_path, knowledge)
    served = bot.status().version
    (knowledge / "not_covered.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ReindexFailed, match="not_covered.toml"):
        bot.reindex()
    assert bot.status().version == served
    assert bot.ask(BINS).out_of_scope


def test_an_index_built_with_another_model_asks_for_a_reindex_instead_of_answering(
    tmp_path: Path, knowledge: Path
) -> None:
    _bot(tmp_path, knowledge)

    class OtherModel(HashingEmbedder):
        name = "another-model"

    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", OtherModel())
    with pytest.raises(IndexUnavailable, match="make index"):
        bot.ask("can a councillor give instructions to an officer?")


def test_a_declined_question_on_council_business_is_sent_to_the_clerk(tmp_path: Path, knowledge: Path) -> None:
    answer = _bot(tmp_path, knowledge).ask(BINS)
    assert answer.lead == messages.OUT_OF_SCOPE_COUNCIL_BUSINESS


def test_a_declined_question_that_is_not_council_business_sends_nobody_to_the_clerk(tmp_path: Path, knowledge: Path) -> None:
    answer = _bot(tmp_path, knowledge).ask("tell me some jokes, poems and stories")
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE_OFF_TOPIC


def test_a_protocol_question_the_documents_do_not_answer_is_sent_to_the_clerk_or_monitoring_officer(
    tmp_path: Path, knowledge: Path
) -> None:
    declines_everything = Calibration(min_similarity=0.0, not_covered_margin=-2.0)
    answer = _bot(tmp_path, knowledge, declines_everything).ask("can a councillor give instructions to an officer?")
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE


def test_a_question_near_neither_the_documents_nor_any_topic_sends_nobody_to_the_clerk(
    tmp_path: Path, knowledge: Path
) -> None:
    answer = _bot(tmp_path, knowledge, Calibration(min_similarity=0.9)).ask("zyxwv qwerty")
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE_OFF_TOPIC


def test_a_topics_file_in_its_first_form_still_declines_its_topics_as_council_business(
    tmp_path: Path, knowledge: Path
) -> None:
    (knowledge / "not_covered.toml").write_text('topics = ["hiring the bandstand in the memorial gardens"]\n',
                                                encoding="utf-8")
    answer = _bot(tmp_path, knowledge).ask("how do I hire the bandstand in the memorial gardens?")
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE_COUNCIL_BUSINESS


LEAVE = "how much annual leave do staff get for holidays?"
TOPICS_ONLY = Calibration(min_similarity=0.0, not_covered_margin=0.05)  # only the topics decline


def _with_subject(knowledge: Path) -> None:
    path = knowledge / "not_covered.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[documents_may_cover]\ntopics = [",
                                 '[documents_may_cover]\ntopics = [\n  "staff annual leave and holidays",'), encoding="utf-8")


def test_a_subject_the_documents_do_not_address_is_declined_and_sent_to_the_clerk_or_monitoring_officer(
    tmp_path: Path, knowledge: Path
) -> None:
    _with_subject(knowledge)
    answer = _bot(tmp_path, knowledge, TOPICS_ONLY).ask(LEAVE)
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE


def test_once_a_document_addresses_the_subject_its_questions_are_answered_from_it(tmp_path: Path, knowledge: Path) -> None:
    _with_subject(knowledge)
    bot = _bot(tmp_path, knowledge, TOPICS_ONLY)
    (knowledge / "protocols" / "staff_handbook.txt").write_text(
        "Staff Handbook\n\n1. Leave\n1.1 Staff annual leave and holidays are agreed with the Clerk in advance.\n",
        encoding="utf-8")
    bot.reindex()
    answer = bot.ask(LEAVE)
    assert not answer.out_of_scope and answer.citations[0].source == "staff_handbook.txt"


HORSE = "can a councillor ride a horse in the summer fete parade?"


def _with_question(knowledge: Path) -> None:
    (knowledge / "not_covered_questions.toml").write_text(f'[documents_may_not_answer]\ntopics = ["{HORSE}"]\n',
                                                          encoding="utf-8")


def test_a_question_documents_often_leave_unanswered_is_declined_when_these_do_not_answer_it(
    tmp_path: Path, knowledge: Path
) -> None:
    _with_question(knowledge)
    answer = _bot(tmp_path, knowledge).ask(HORSE)
    assert answer.out_of_scope and answer.lead == messages.OUT_OF_SCOPE


def test_the_same_question_is_answered_once_a_document_answers_it(tmp_path: Path, knowledge: Path) -> None:
    _with_question(knowledge)
    (knowledge / "protocols" / "fete.txt").write_text(
        "Fete Protocol\n\n1. The parade\n1.1 A councillor may ride a horse in the summer fete parade.\n", encoding="utf-8")
    answer = _bot(tmp_path, knowledge).ask(HORSE)
    assert not answer.out_of_scope and answer.citations[0].source == "fete.txt"
