"""Block Kit rendering: what a Slack user sees, always within Slack's limits and never pinging anyone."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from adapters.slack.mrkdwn import escape, plain_question
from adapters.slack.render import (
    ACTION_FEEDBACK,
    ACTION_SHARE,
    ACTION_SHOW_CLAUSE,
    MAX_BLOCKS,
    MAX_SECTION_TEXT,
    answer_blocks,
    answer_text,
    clause_blocks,
    help_blocks,
    home_view,
    parse_feedback_value,
    preformatted_blocks,
)
from bot import messages
from bot.answer import Answer
from tests.fakes import COPY_EMAIL, DOCS, INSTRUCTIONS

LIVE_MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<#C0GENERAL>", "<!subteam^S0TEAM>")


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text Slack would render from these blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def _within_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000


def _answer(*citations: Any) -> Answer:
    return Answer("Can I copy an email?", False, messages.LEAD_ANSWER_MANY, tuple(citations))


def test_an_answer_shows_the_lead_each_document_its_clauses_and_the_quoted_sentence() -> None:
    blocks = answer_blocks(_answer(COPY_EMAIL, INSTRUCTIONS), "a1")
    texts = "\n".join(_texts(blocks))
    assert blocks[0]["text"]["text"] == messages.LEAD_ANSWER_MANY
    assert "Ilminster Town Council — Councillor-Officer Protocol" in texts
    assert "*clause 20 (Relationships between Members &amp; Officers)*" in texts
    assert ">" + escape(COPY_EMAIL.quote) in texts
    show = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(s["action_id"], s["value"]) for s in show] == [(ACTION_SHOW_CLAUSE, "a1:0"), (ACTION_SHOW_CLAUSE, "a1:1")]


def test_only_a_private_answer_offers_to_share_it() -> None:
    def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
        return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]

    assert ACTION_SHARE in action_ids(answer_blocks(_answer(COPY_EMAIL), "a1", shareable=True))
    assert ACTION_SHARE not in action_ids(answer_blocks(_answer(COPY_EMAIL), "a1"))


def test_an_answer_ends_with_slacks_own_feedback_buttons_naming_the_answer_and_the_verdict() -> None:
    last = answer_blocks(_answer(COPY_EMAIL), "a1")[-1]

    assert last["type"] == "context_actions"
    (element,) = last["elements"]
    assert (element["type"], element["action_id"]) == ("feedback_buttons", ACTION_FEEDBACK)
    positive, negative = element["positive_button"]["value"], element["negative_button"]["value"]
    assert (parse_feedback_value(positive), parse_feedback_value(negative)) == ((True, "a1"), (False, "a1"))
    for value in ("", "a1", "helpful:", "great:a1"):
        assert parse_feedback_value(value) is None


def test_a_note_on_a_citation_is_shown_under_its_quote() -> None:
    blocks = answer_blocks(_answer(replace(COPY_EMAIL, note="review due October 2025")), "a1")
    assert "_review due October 2025_" in "\n".join(_texts(blocks))


def test_a_paragraph_with_neither_number_nor_heading_is_called_by_its_opening_words() -> None:
    blocks = answer_blocks(_answer(replace(COPY_EMAIL, clause=None, heading=None)), "a1")
    assert "*paragraph beginning “Correspondence between an individual councillor …”*" in "\n".join(_texts(blocks))


def test_a_ten_thousand_character_clause_is_shown_whole_across_several_sections() -> None:
    long_text = " ".join(f"word{i} & more" for i in range(800))
    assert len(long_text) > 10_000
    clause = replace(COPY_EMAIL, text=long_text, quote=long_text)
    blocks = clause_blocks(clause)
    _within_limits(blocks)
    shown = " ".join(b["text"]["text"] for b in blocks[2:])
    assert " ".join(shown.split()) == escape(long_text)
    quoted = answer_blocks(_answer(clause), "a1")
    _within_limits(quoted)
    assert quoted[2]["text"]["text"].endswith("…")


def test_forty_citations_fit_in_fifty_blocks_and_say_how_many_are_hidden() -> None:
    citations = [replace(INSTRUCTIONS, source=f"doc{i % 7}.txt", clause=str(i)) for i in range(40)]
    blocks = answer_blocks(_answer(*citations), "a1", question_line="*Question:* copying", shareable=True)
    _within_limits(blocks)
    shown = sum(1 for b in blocks if "accessory" in b)
    hidden = 40 - shown
    assert hidden > 0
    assert messages.SLACK_MORE_CLAUSES.format(count=hidden) in _texts(blocks)
    assert [b["type"] for b in blocks[-2:]] == ["actions", "context_actions"]
    assert len(answer_text(_answer(*citations))) <= MAX_SECTION_TEXT


def test_mentions_and_broadcasts_inside_documents_render_inert() -> None:
    hostile = replace(
        COPY_EMAIL,
        title="Protocol <!channel>",
        heading="<@U0BOSS> & <#C0GENERAL>",
        quote="Tell <!here> and <!everyone> and <!subteam^S0TEAM>; also @here and @channel.",
        text="<!channel> full text",
    )
    blocks = answer_blocks(_answer(hostile), "a1") + clause_blocks(hostile)
    rendered = json.dumps(blocks) + answer_text(_answer(hostile))
    for markup in LIVE_MARKUP:
        assert markup not in rendered
    assert "@here" not in rendered and "@channel" not in rendered
    assert "&lt;!channel&gt;" in rendered


def test_a_question_keeps_its_words_but_loses_the_bots_mention_and_slack_markup() -> None:
    text = "<@UBOT> can <@U0BOSS|jo> forward <!channel> mail &amp; post to <#C0GENERAL|general> <https://x.org|here>?"
    assert plain_question(text, "UBOT") == "can jo forward @channel mail & post to #general here?"
    assert plain_question("<@UBOT>", "UBOT") == ""


def test_help_lists_every_document_with_its_dates_and_example_questions() -> None:
    blocks = help_blocks(DOCS)
    texts = "\n".join(_texts(blocks))
    assert "Ilminster Town Council — Councillor-Officer Protocol" in texts
    assert "Adopted 17 January 2023 · review due July 2028" in texts
    assert "*Member / Officer Protocol (Code of Conduct)*" in texts  # no council: the title alone
    assert all(q in texts for q in messages.EXAMPLE_QUESTIONS)
    many = tuple(replace(DOCS[0], title=f"Protocol {i}") for i in range(80))
    _within_limits(help_blocks(many))
    assert home_view(help_blocks(many))["type"] == "home"


def test_long_status_text_is_split_into_code_sections_within_limits() -> None:
    text = "\n".join(f"  Council {i} <b> — Protocol: {i} clauses" for i in range(400))
    blocks = preformatted_blocks(text)
    _within_limits(blocks)
    assert all(b["text"]["text"].startswith("```") and b["text"]["text"].endswith("```") for b in blocks)
    assert "&lt;b&gt;" in blocks[0]["text"]["text"]
