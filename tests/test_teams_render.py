"""The Adaptive Cards the Teams adapter sends, as Teams would receive them."""

from __future__ import annotations

import dataclasses
import json
import re

from adapters.teams.render import (
    CARD_BUDGET_BYTES,
    Comment,
    Vote,
    answer_card,
    card_bytes,
    read_card_action,
    voted_card,
)
from adapters.teams.safe_text import ONE_DOT_LEADER, ZERO_WIDTH_SPACE
from bot import messages
from bot.answer import Answer
from tests.fakes import COPY_EMAIL, INSTRUCTIONS, FakeProtocolBot
from tests.teams_support import card_texts, elements

QUESTION = "Can I copy this email to another councillor?"
ANSWER_ID = "0f3c9a"


def as_read(text: str) -> str:
    """What a person sees: the invisible and look-alike characters read as what they stand for."""
    return text.replace(ZERO_WIDTH_SPACE, "").replace(ONE_DOT_LEADER, ".")


def test_the_card_uses_adaptive_cards_1_5_at_most() -> None:
    card = answer_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID)

    major, minor = (int(part) for part in card["version"].split("."))
    assert (major, minor) <= (1, 5)
    assert card["type"] == "AdaptiveCard"


def test_each_cited_clause_shows_document_reference_and_quote() -> None:
    texts = card_texts(answer_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID))

    assert texts[1] == messages.LEAD_ANSWER_MANY
    for expected in (
        "Councillor-Officer Protocol", "Ilminster Town Council", "CORRESPONDENCE", f"“{COPY_EMAIL.quote}”",
        "Member / Officer Protocol (Code of Conduct)", "Clause 20 (Relationships between Members & Officers)",
        f"“{INSTRUCTIONS.quote}”",
    ):
        assert expected in texts


def test_each_clause_has_a_show_full_clause_toggle_for_its_hidden_full_text() -> None:
    card = answer_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID)
    by_id = {element["id"]: element for element in elements(card) if "id" in element}
    toggles = [
        action for element in elements(card) if element["type"] == "ActionSet"
        for action in element["actions"] if action["type"] == "Action.ToggleVisibility"
    ]

    assert [toggle["title"] for toggle in toggles] == [messages.SHOW_FULL_CLAUSE] * 2
    targets = [by_id[toggle["targetElements"][0]] for toggle in toggles]
    assert [target["isVisible"] for target in targets] == [False, False]
    assert [target["text"] for target in targets] == [COPY_EMAIL.text, INSTRUCTIONS.text]


def test_huge_clauses_are_trimmed_to_keep_the_card_under_the_message_budget() -> None:
    huge = dataclasses.replace(COPY_EMAIL, quote="Officers must " + "é " * 40_000, text="Word 😀 " * 50_000)
    answer = Answer(QUESTION * 200, False, messages.LEAD_ANSWER, (huge, dataclasses.replace(huge, clause="2"),
                                                                 dataclasses.replace(huge, clause="3")))

    card = answer_card(answer, ANSWER_ID)

    assert card_bytes(card) < CARD_BUDGET_BYTES
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < CARD_BUDGET_BYTES
    hidden = [element["text"] for element in elements(card) if element.get("isVisible") is False]
    assert len(hidden) == 3
    assert all(text.startswith("Word 😀 Word") and text.endswith(messages.TEAMS_CLAUSE_SHORTENED) for text in hidden)


def test_what_the_user_typed_does_not_become_a_mention_link_or_function() -> None:
    question = (
        "<at>Jane Smith</at> said [click here](https://evil.example/x) or <https://evil.example> "
        "www.evil.example, mail jane@evil.example, {{DATE(2017-02-14T06:08:00Z, SHORT)}}"
    )
    for typed in (question, question + " poem"):  # answered, and out of scope
        asked = card_texts(answer_card(FakeProtocolBot().ask(typed), ANSWER_ID))[0]

        assert "<at" not in asked and "](" not in asked and "://" not in asked and "{{" not in asked
        assert not re.search(r"\w\.\w", asked), "a host name or e-mail address would be auto-linked"
        assert as_read(asked) == messages.TEAMS_YOU_ASKED.format(question=typed)


def test_an_out_of_scope_question_gets_the_plain_not_covered_card() -> None:
    card = answer_card(FakeProtocolBot().ask("What's the weather?"), ANSWER_ID)

    assert card_texts(card)[1:] == [messages.OUT_OF_SCOPE]
    assert "actions" not in card


def test_the_not_covered_card_keeps_the_cores_whole_lead_such_as_the_trimmed_question_note() -> None:
    lead = messages.QUESTION_TRIMMED.format(limit=1000) + " " + messages.OUT_OF_SCOPE
    card = answer_card(Answer("a very long question", True, lead, ()), ANSWER_ID)

    assert card_texts(card)[1:] == [lead]


def test_the_feedback_buttons_name_the_answer_they_vote_on() -> None:
    helpful, unhelpful = answer_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID)["actions"]

    assert (helpful["title"], unhelpful["title"]) == (messages.HELPFUL, messages.NOT_HELPFUL)
    assert read_card_action(helpful["data"]) == Vote(True, ANSWER_ID)
    assert read_card_action(unhelpful["data"]) == Vote(False, ANSWER_ID)


def test_after_a_vote_the_card_keeps_the_answer_and_its_buttons_give_way_to_thanks() -> None:
    answer = FakeProtocolBot().ask(QUESTION)
    card = voted_card(answer, ANSWER_ID, None)

    assert "actions" not in card
    texts = card_texts(card)
    assert f"“{COPY_EMAIL.quote}”" in texts and texts[-1] == messages.FEEDBACK_THANKS


def test_after_a_thumbs_down_the_card_asks_what_was_wrong_and_sends_it_with_the_feedback_id() -> None:
    card = voted_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID, 42)

    (send,) = card["actions"]
    (box,) = [element for element in elements(card) if element["type"] == "Input.Text"]
    assert box["label"] == messages.FEEDBACK_COMMENT_LABEL
    submitted = {**send["data"], box["id"]: "It cited the wrong council."}
    assert read_card_action(submitted) == Comment(42, ANSWER_ID, "It cited the wrong council.")


def test_damaged_or_foreign_submit_data_is_not_taken_as_feedback() -> None:
    good = answer_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID)["actions"][0]["data"]
    comment = voted_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID, 42)["actions"][0]["data"]

    for value in (None, "feedback", {"action": "ask"}, {**good, "helpful": "yes"}, {**good, "answer": 7},
                  {**good, "answer": ""}, {**comment, "feedback": "42"}, {**comment, "feedback": True},
                  {**comment, "comment": ["x"]}):
        assert read_card_action(value) is None
