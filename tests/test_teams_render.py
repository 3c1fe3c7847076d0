"""The Adaptive Cards the Teams adapter sends, as Teams would receive them."""

from __future__ import annotations

import dataclasses
import json
import re

from adapters.teams.render import (
    CARD_BUDGET_BYTES,
    Comment,
    Feedback,
    Vote,
    answer_card,
    answer_message,
    card_bytes,
    correction_card,
    read_card_action,
    read_feedback,
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
    card = answer_card(FakeProtocolBot().ask(QUESTION))

    major, minor = (int(part) for part in card["version"].split("."))
    assert (major, minor) <= (1, 5)
    assert card["type"] == "AdaptiveCard"


def test_each_cited_clause_shows_document_reference_and_quote() -> None:
    texts = card_texts(answer_card(FakeProtocolBot().ask(QUESTION)))

    assert texts[1] == messages.LEAD_ANSWER_MANY
    for expected in (
        "Councillor-Officer Protocol", "Ilminster Town Council", "[1] CORRESPONDENCE", f"“{COPY_EMAIL.quote}”",
        "Member / Officer Protocol (Code of Conduct)", "[2] Clause 20 (Relationships between Members & Officers)",
        f"“{INSTRUCTIONS.quote}”",
    ):
        assert expected in texts


def test_each_clause_has_a_show_full_clause_toggle_for_its_hidden_full_text() -> None:
    card = answer_card(FakeProtocolBot().ask(QUESTION))
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

    card = answer_card(answer)

    assert card_bytes(card) < CARD_BUDGET_BYTES
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < CARD_BUDGET_BYTES
    hidden = [element["text"] for element in elements(card) if element.get("isVisible") is False]
    assert len(hidden) == 3
    assert all(text.startswith("Word 😀 Word") and text.endswith(messages.TEAMS_CLAUSE_SHORTENED) for text in hidden)
    message = answer_message(answer, ANSWER_ID)  # the card, and the citations' copies of each clause
    assert card_bytes(message) < CARD_BUDGET_BYTES
    assert all(claim["appearance"]["text"].endswith(messages.TEAMS_CLAUSE_SHORTENED)
               for claim in message["entities"][0]["citation"])


def test_what_the_user_typed_does_not_become_a_mention_link_or_function() -> None:
    question = (
        "<at>Jane Smith</at> said [click here](https://evil.example/x) or <https://evil.example> "
        "www.evil.example, mail jane@evil.example, {{DATE(2017-02-14T06:08:00Z, SHORT)}}"
    )
    for typed in (question, question + " poem"):  # answered, and out of scope
        asked = card_texts(answer_card(FakeProtocolBot().ask(typed)))[0]

        assert "<at" not in asked and "](" not in asked and "://" not in asked and "{{" not in asked
        assert not re.search(r"\w\.\w", asked), "a host name or e-mail address would be auto-linked"
        assert as_read(asked) == messages.TEAMS_YOU_ASKED.format(question=typed)


def test_an_out_of_scope_question_gets_the_plain_not_covered_card() -> None:
    card = answer_card(FakeProtocolBot().ask("What's the weather?"))

    assert card_texts(card)[1:] == [messages.OUT_OF_SCOPE]
    assert "actions" not in card


def test_the_not_covered_card_keeps_the_cores_whole_lead_such_as_the_trimmed_question_note() -> None:
    lead = messages.QUESTION_TRIMMED.format(limit=1000) + " " + messages.OUT_OF_SCOPE
    card = answer_card(Answer("a very long question", True, lead, ()))

    assert card_texts(card)[1:] == [lead]


def test_an_answers_text_marks_each_cited_clause_with_the_number_of_its_citation() -> None:
    message = answer_message(FakeProtocolBot().ask(QUESTION), ANSWER_ID)

    lead, *lines = message["text"].split("\n\n")
    assert lead == messages.LEAD_ANSWER_MANY
    assert lines == ["- CORRESPONDENCE, Ilminster Town Council — Councillor-Officer Protocol [1]",
                     "- Clause 20 (Relationships between Members & Officers), "
                     "Member / Officer Protocol (Code of Conduct) [2]"]
    labels = [text for text in card_texts(message["attachments"][0]["content"]) if text.startswith("[")]
    assert labels == ["[1] CORRESPONDENCE", "[2] Clause 20 (Relationships between Members & Officers)"]


def test_each_citation_names_the_document_quotes_the_sentence_and_opens_on_the_whole_clause() -> None:
    (entity,) = answer_message(FakeProtocolBot().ask(QUESTION), ANSWER_ID)["entities"]

    assert (entity["type"], entity["@type"], entity["@context"]) == ("https://schema.org/Message", "Message",
                                                                      "https://schema.org")
    first, second = entity["citation"]
    assert [first["@type"], first["position"], second["position"]] == ["Claim", 1, 2]
    appearance = first["appearance"]
    assert appearance["@type"] == "DigitalDocument" and appearance["name"] == COPY_EMAIL.title
    assert appearance["abstract"] == COPY_EMAIL.quote and len(COPY_EMAIL.quote) <= 160  # Teams shows 160
    assert appearance["text"] == COPY_EMAIL.text and "encodingFormat" not in appearance  # plain text
    assert appearance["keywords"] == ["Ilminster Town Council", "CORRESPONDENCE"]
    assert second["appearance"]["keywords"] == ["clause 20", "Relationships between…"]  # 28 characters at most
    assert "AIGeneratedContent" not in json.dumps(entity)


def test_an_answer_turns_on_teams_own_feedback_control_instead_of_buttons_on_its_card() -> None:
    message = answer_message(FakeProtocolBot().ask(QUESTION), ANSWER_ID)

    assert message["channelData"] == {"feedbackLoopEnabled": True}
    assert "actions" not in message["attachments"][0]["content"]


def test_an_out_of_scope_answer_has_no_citations_and_no_feedback_control() -> None:
    message = answer_message(FakeProtocolBot().ask("What's the weather?"), ANSWER_ID)

    assert "entities" not in message and "channelData" not in message


def test_teams_feedback_is_read_with_what_was_typed_and_anything_else_is_not() -> None:
    like = {"actionName": "feedback", "actionValue": {"reaction": "like", "feedback": '{"feedbackText": "Spot on"}'}}

    assert read_feedback(like) == Feedback(True, "Spot on")
    assert read_feedback({**like, "actionValue": {"reaction": "dislike"}}) == Feedback(False, "")
    for value in (None, {}, {**like, "actionName": "share"}, {**like, "actionValue": {"reaction": "love"}},
                  {**like, "actionValue": "like"}):
        assert read_feedback(value) is None
    assert read_feedback({**like, "actionValue": {"reaction": "like", "feedback": "{not json"}}) == Feedback(True, "")


def test_after_an_admins_thumbs_down_the_correction_card_offers_the_nearest_clauses() -> None:
    answer = FakeProtocolBot().ask(QUESTION)
    card = correction_card(answer, ANSWER_ID, 42)

    (choices,) = [element for element in elements(card) if element["type"] == "Input.ChoiceSet"]
    assert len(choices["choices"]) == len(answer.nearest) + 1
    (send,) = card["actions"]
    assert read_card_action({**send["data"], "teach": "0"}) == Comment(42, ANSWER_ID, "", "0")


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
    good = {"action": "feedback", "helpful": True, "answer": ANSWER_ID}  # what earlier answer cards' 👍 sent
    assert read_card_action(good) == Vote(True, ANSWER_ID)
    comment = voted_card(FakeProtocolBot().ask(QUESTION), ANSWER_ID, 42)["actions"][0]["data"]

    for value in (None, "feedback", {"action": "ask"}, {**good, "helpful": "yes"}, {**good, "answer": 7},
                  {**good, "answer": ""}, {**comment, "feedback": "42"}, {**comment, "feedback": True},
                  {**comment, "comment": ["x"]}):
        assert read_card_action(value) is None
