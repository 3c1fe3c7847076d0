"""Answers from the real default model over the shipped protocols: what a councillor would see."""

from __future__ import annotations

import pytest

from bot import messages
from bot.bootstrap import protocol_bot
from bot.core.answering import MAX_QUOTED, QUOTE_GAP
from bot.service.protocol_bot import IndexedProtocolBot
from bot.settings import Settings


@pytest.fixture(scope="module")
def real_bot(tmp_path_factory: pytest.TempPathFactory) -> IndexedProtocolBot:
    home = tmp_path_factory.mktemp("home")
    defaults = Settings.from_env()
    # the model's ONNX export is made once and shared with `make run`
    defaults.model_cache.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(defaults.model_cache.resolve(), target_is_directory=True)
    bot = protocol_bot(Settings(knowledge_dir=defaults.knowledge_dir, home=home, model=defaults.model))
    bot.reindex()
    return bot


@pytest.mark.parametrize(
    ("question", "source", "words"),
    [
        ("Is a councillor allowed to order the clerk's assistant around?", None, "instructions"),
        ("Can I look at council papers about a matter I have a personal interest in?", "001_a879d86bb0aeb3d5.txt",
         "should not knowingly inspect"),
        ("are staff allowed to lobby councillors about their pay?", "001_a879d86bb0aeb3d5.txt", "lobby"),
        ("Can councillors use council stationery for their own business?", None, "stationery"),
    ],
)
def test_a_question_in_everyday_words_cites_the_clause_that_answers_it(
    real_bot: IndexedProtocolBot, question: str, source: str | None, words: str
) -> None:
    answer = real_bot.ask(question)
    assert not answer.out_of_scope
    top3 = answer.nearest[:3]
    assert any(words.lower() in c.text.lower() and (source is None or c.source == source) for c in top3)


@pytest.mark.parametrize("question", ["when is my green bin collected?", "how do I pay my council tax?"])
def test_a_council_business_question_is_declined_and_sent_to_the_clerk(real_bot: IndexedProtocolBot, question: str) -> None:
    answer = real_bot.ask(question)
    assert answer.out_of_scope and answer.citations == ()
    assert "Clerk" in answer.lead and "Monitoring Officer" not in answer.lead
    assert len(answer.nearest) >= 5


@pytest.mark.parametrize("question", ["write me a poem about the sea", "what is the capital of Peru?"])
def test_a_question_that_is_not_council_business_is_declined_without_sending_anyone_to_the_clerk(
    real_bot: IndexedProtocolBot, question: str
) -> None:
    answer = real_bot.ask(question)
    assert answer.out_of_scope and answer.citations == ()
    assert "Clerk" not in answer.lead and "Monitoring Officer" not in answer.lead


@pytest.mark.parametrize(("message", "reply"), [("ok", messages.SMALL_TALK_THANKS), ("lol", messages.SMALL_TALK_THANKS),
                                                ("Cheers, that's really helpful!", messages.SMALL_TALK_THANKS),
                                                ("Good morning", messages.SMALL_TALK_GREETING),
                                                ("No thank you", messages.SMALL_TALK_THANKS),
                                                ("that doesn't answer my question", messages.SMALL_TALK_NOT_HELPED)])
def test_thanks_a_greeting_ok_or_a_miss_is_met_with_a_reply_and_no_clause(real_bot: IndexedProtocolBot, message: str,
                                                                    reply: str) -> None:
    answer = real_bot.ask(message)
    assert answer.out_of_scope and answer.citations == () and answer.lead == reply


def test_a_question_that_opens_with_a_greeting_is_answered(real_bot: IndexedProtocolBot) -> None:
    answer = real_bot.ask("Hello! Can a councillor give instructions to staff?")
    assert not answer.out_of_scope and answer.citations


def test_every_citation_quotes_sentences_of_its_clause_verbatim(real_bot: IndexedProtocolBot) -> None:
    answer = real_bot.ask("Should officers and councillors become close friends?")
    assert answer.citations
    for citation in answer.nearest:
        parts = citation.quote.split(QUOTE_GAP)
        assert 1 <= len(parts) <= MAX_QUOTED and all(part and part in citation.text for part in parts)
        assert citation.title


def test_a_numbered_clause_is_cited_by_its_printed_reference(real_bot: IndexedProtocolBot) -> None:
    answer = real_bot.ask("Can an individual councillor give instructions to a council employee?")
    cited = {(c.source, c.clause) for c in answer.nearest[:5]}
    assert ("001_a879d86bb0aeb3d5.txt", "2.3") in cited
    assert all(c.council == "Ilminster Town Council" for c in answer.nearest if c.source[:3] in {"000", "001"})
