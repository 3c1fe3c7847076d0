"""The question tuning changes which clause comes first, never whether the documents cover a question:
that is still judged on the model's own vector, which abstention was calibrated on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core.answering import Calibration
from bot.core.question_tuning import QuestionTuning, tuning_file
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import HashingEmbedder, only_documents

PROTOCOL = """Ashby Parva Parish Council
Protocol on Councillors and Staff

1. Council equipment
1.1 Councillors must not use council equipment for party political campaigning.

2. Meetings
2.1 The Clerk copies the meeting papers for every councillor on the photocopier in the office.
"""
BAN = "Councillors must not use council equipment for party political campaigning."
ANSWER_ALL = Calibration(min_similarity=-1.0, not_covered_margin=2.0)


def learnt(question: str, meaning: str) -> QuestionTuning:
    """A tuning that has learnt that `question` means what `meaning` says: q + Aq is the meaning's vector."""
    model = HashingEmbedder()
    q, m = model.encode([question])[0], model.encode([meaning])[0]
    return QuestionTuning(np.outer(m - q, q).astype(np.float32))


def bot_with(tmp_path: Path, knowledge: Path, tuning: QuestionTuning,
             calibration: Calibration = ANSWER_ALL) -> IndexedProtocolBot:
    only_documents(knowledge, {"equipment.txt": PROTOCOL})
    bot = IndexedProtocolBot(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder(),
                             calibration=calibration, tuning=tuning)
    bot.reindex()
    return bot


def test_a_question_in_everyday_words_is_answered_by_the_clause_the_tuning_learnt_it_means(
        tmp_path: Path, knowledge: Path) -> None:
    question = "can I run off my election leaflets on the office photocopier?"
    plain = bot_with(tmp_path / "plain", knowledge, QuestionTuning(None)).ask(question)
    tuned = bot_with(tmp_path / "tuned", knowledge, learnt(question, BAN)).ask(question)
    assert plain.citations[0].clause == "2.1"
    assert tuned.citations[0].clause == "1.1"


def test_a_question_the_documents_do_not_cover_is_declined_however_the_tuning_moves_it(
        tmp_path: Path, knowledge: Path) -> None:
    question = "what is the capital of Peru?"
    strict = Calibration(min_similarity=0.3, not_covered_margin=2.0)
    answer = bot_with(tmp_path, knowledge, learnt(question, BAN), strict).ask(question)
    assert answer.out_of_scope


@pytest.mark.parametrize("model", ["all-MiniLM-L6-v2"])
def test_plain_minilm_ships_with_its_tuning(model: str) -> None:
    matrix = np.load(tuning_file(model))
    assert matrix.shape == (384, 384) and np.isfinite(matrix).all() and np.abs(matrix).sum() > 0
