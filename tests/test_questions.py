from __future__ import annotations

import pytest

from bot.answer import Scope
from bot.errors import InvalidQuestion
from bot.service.protocol_bot import IndexedProtocolBot


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\x00\x07\x1b"])
def test_an_empty_question_gets_a_polite_example_instead_of_an_answer(fake_bot: IndexedProtocolBot, raw: str) -> None:
    with pytest.raises(InvalidQuestion, match="for example"):
        fake_bot.ask(raw)


def test_a_message_of_only_emoji_asks_for_words(fake_bot: IndexedProtocolBot) -> None:
    with pytest.raises(InvalidQuestion, match="couldn't find any words"):
        fake_bot.ask("🙂👍🏽 ?!")


@pytest.mark.parametrize(
    "mention", ["<!channel>", "<!here>", "<!everyone>", "<@U0123ABC>", "@here", "@channel", "<!subteam^S1|team>"]
)
def test_a_mention_in_the_question_is_never_echoed_back(fake_bot: IndexedProtocolBot, mention: str) -> None:
    answer = fake_bot.ask(f"{mention} can a councillor instruct officers?")
    assert mention not in answer.question
    assert "@" not in answer.question and "<" not in answer.question


def test_control_characters_are_removed_before_searching(fake_bot: IndexedProtocolBot) -> None:
    answer = fake_bot.ask("can a councillor\x00 instruct\x1b[31m officers?")
    assert answer.question == "can a councillor instruct officers?"  # the colour code goes with its escape


def test_a_huge_question_is_answered_from_its_start_and_says_so(fake_bot: IndexedProtocolBot) -> None:
    answer = fake_bot.ask("Can a councillor instruct officers? " + "blah " * 20_000)
    assert len(answer.question) <= 1000
    assert "very long" in answer.lead


def test_a_question_in_another_language_gets_a_reply(fake_bot: IndexedProtocolBot) -> None:
    answer = fake_bot.ask("¿Puede un concejal dar instrucciones al personal?")
    assert answer.lead


def test_a_scope_limits_answers_to_its_documents(fake_bot: IndexedProtocolBot) -> None:
    only = "004_fbcb302b638d596d.txt"
    answer = fake_bot.ask("Can a councillor give instructions to officers?", Scope(frozenset({only})))
    assert answer.nearest and {c.source for c in answer.nearest} == {only}


def test_every_answer_lists_at_least_five_nearest_clauses_best_first(fake_bot: IndexedProtocolBot) -> None:
    answer = fake_bot.ask("Can a councillor give instructions to officers?")
    scores = [c.score for c in answer.nearest]
    assert len(scores) >= 5 and scores == sorted(scores, reverse=True)
    assert 1 <= len(answer.citations) <= 3
