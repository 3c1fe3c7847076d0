"""What the bot sends to Teams: answers as Adaptive Cards, everything else as Teams Markdown text,
and the data a card's feedback buttons send back.

Pure functions over plain dicts: no SDK types, so they move unchanged to another Teams SDK.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.teams.safe_text import plain, shorten, typed_by_user
from bot import messages
from bot.answer import Answer, Citation
from bot.conversation import AnswerReply, HelpReply, ReindexReply, ReindexReport, Reply, ReportReply, TextReply
from bot.reindex_runner import ReindexOutcome
from bot.status import DocumentInfo
from bot.status_report import document_name

Card = dict[str, Any]

CARD_VERSION = "1.5"  # the highest version every Teams client renders
# Teams refuses messages over about 28 KB; the activity envelope and Teams' own additions need the rest.
CARD_BUDGET_BYTES = 20_000
FEEDBACK_ACTION = "feedback"
COMMENT_ACTION = "feedback_comment"
COMMENT_INPUT = "comment"
TEACH_INPUT = "teach"
TEACH_NOT_COVERED = "not_covered"

_QUESTION_CHARS = 300
_LABEL_CHARS = 200
_QUOTE_CHARS = 800
_CLAUSE_CHARS = 6_000
_CLAUSE_CHARS_MIN = 200
_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Vote:
    """A 👍/👎 button on an answer card."""

    helpful: bool
    answer: str  # the answer's id (bot.conversation)


@dataclass(frozen=True)
class Comment:
    """What a person typed into the box a 👎 opens."""

    feedback: int
    answer: str
    text: str
    choice: str | None = None  # an admin's pick of the clause that answers it: an index, or TEACH_NOT_COVERED


CardAction = Vote | Comment


def render(reply: Reply) -> str | Card:
    """Any reply of the core's: an answer as an Adaptive Card, everything else as Teams Markdown."""
    if isinstance(reply, AnswerReply):
        return answer_card(reply.answer, reply.answer_id)
    if isinstance(reply, HelpReply):
        return help_text(reply.documents, admin=reply.admin)
    if isinstance(reply, ReportReply):
        return _code_block(reply.text)
    if isinstance(reply, ReindexReply | TextReply):
        return reply.text
    if isinstance(reply, ReindexReport):
        return reindex_text(reply.outcome)
    raise TypeError(f"no Teams rendering for {reply!r}")


def answer_card(answer: Answer, answer_id: str) -> Card:
    """The reply to a question: lead, cited clauses with a full-text toggle each, feedback buttons."""
    if answer.out_of_scope:
        return _card([_asked(answer.question), _text(plain(answer.lead))])
    return _fitted(lambda limit: _cited_card(answer, limit, actions=[
        _feedback_button(answer_id, helpful=True, title=messages.HELPFUL),
        _feedback_button(answer_id, helpful=False, title=messages.NOT_HELPFUL),
    ]))


def voted_card(answer: Answer, answer_id: str, comment_for: int | None, *, admin: bool = False) -> Card:
    """The answer card once voted on: the buttons give way to the thanks, and after a 👎
    (`comment_for` its feedback id) to a box for saying what was wrong; an admin can also pick the
    clause that answers it, which corrects the answer for everyone."""
    thanks = _text(plain(messages.FEEDBACK_THANKS), isSubtle=True, spacing="Large")
    if comment_for is None:
        return _fitted(lambda limit: _cited_card(answer, limit, extra=[thanks]))
    inputs: list[dict[str, Any]] = [{"type": "Input.Text", "id": COMMENT_INPUT, "isMultiline": True,
                                     "maxLength": _COMMENT_CHARS, "label": plain(messages.FEEDBACK_COMMENT_LABEL)}]
    if admin:
        choices = [{"title": plain(shorten(messages.TEACH_CHOICE.format(
                        label=c.label, title=document_name(c.council, c.title)), _LABEL_CHARS)), "value": str(n)}
                   for n, c in enumerate(answer.nearest)]
        choices.append({"title": plain(messages.TEACH_CHOICE_NOT_COVERED), "value": TEACH_NOT_COVERED})
        inputs.insert(0, {"type": "Input.ChoiceSet", "id": TEACH_INPUT, "style": "compact", "isRequired": False,
                          "label": plain(messages.TEAMS_TEACH_LABEL), "choices": choices})
    send = {"type": "Action.Submit", "title": messages.FEEDBACK_COMMENT_SEND,
            "data": {"action": COMMENT_ACTION, "feedback": comment_for, "answer": answer_id}}
    return _fitted(lambda limit: _cited_card(answer, limit, extra=[thanks, *inputs], actions=[send]))


def _fitted(make: Callable[[int], Card]) -> Card:
    """The card from `make`, with clause texts shortened until it fits Teams' size limit."""
    limit = _CLAUSE_CHARS
    card = make(limit)
    while card_bytes(card) > CARD_BUDGET_BYTES and limit > _CLAUSE_CHARS_MIN:
        limit //= 2
        card = make(limit)
    return card


def card_bytes(card: Card) -> int:
    """Size on the wire; ASCII-escaped JSON is the largest encoding a sender may choose."""
    return len(json.dumps(card, ensure_ascii=True).encode("ascii"))


def read_card_action(value: object) -> CardAction | None:
    """What a card's button sent, or None for anything else (including forged or damaged data)."""
    if not isinstance(value, dict):
        return None
    answer = value.get("answer")
    if not isinstance(answer, str) or not answer:
        return None
    if value.get("action") == FEEDBACK_ACTION and isinstance(value.get("helpful"), bool):
        return Vote(value["helpful"], answer)
    feedback, text = value.get("feedback"), value.get(COMMENT_INPUT, "")
    choice = value.get(TEACH_INPUT) or None
    if (value.get("action") == COMMENT_ACTION and type(feedback) is int and isinstance(text, str)
            and (choice is None or isinstance(choice, str))):
        return Comment(feedback, answer, text[:_COMMENT_CHARS], choice)
    return None


def _cited_card(answer: Answer, clause_chars: int, *, extra: list[dict[str, Any]] | None = None,
                actions: list[dict[str, Any]] | None = None) -> Card:
    body: list[dict[str, Any]] = [_asked(answer.question), _text(plain(answer.lead), weight="Bolder")]
    number = 0
    for group in answer.groups:
        body.append(_text(plain(group.title), size="Medium", weight="Bolder", spacing="Large"))
        if group.council:
            body.append(_text(plain(group.council), isSubtle=True, spacing="None"))
        for citation in group.citations:
            number += 1
            body.append(_citation(citation, f"clause-{number}", clause_chars))
    return _card(body + (extra or []), actions=actions)


def _citation(citation: Citation, full_text_id: str, clause_chars: int) -> dict[str, Any]:
    label = citation.label
    items = [
        _text(plain(shorten(label[:1].upper() + label[1:], _LABEL_CHARS)), weight="Bolder"),
        _text(plain(f"“{shorten(citation.quote, _QUOTE_CHARS)}”")),
    ]
    if citation.note:
        items.append(_text(plain(shorten(citation.note, _LABEL_CHARS)), isSubtle=True, size="Small"))
    full_text = shorten(citation.text, clause_chars)
    if full_text != citation.text:
        full_text += "\n" + messages.TEAMS_CLAUSE_SHORTENED
    items.append(_text(plain(full_text), id=full_text_id, isVisible=False))
    items.append(
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.ToggleVisibility",
                    "title": messages.SHOW_FULL_CLAUSE,
                    "targetElements": [full_text_id],
                }
            ],
        }
    )
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _feedback_button(answer_id: str, *, helpful: bool, title: str) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title,
            "data": {"action": FEEDBACK_ACTION, "helpful": helpful, "answer": answer_id}}


def _asked(question: str) -> dict[str, Any]:
    return _text(typed_by_user(messages.TEAMS_YOU_ASKED.format(question=shorten(question, _QUESTION_CHARS))),
                 isSubtle=True, size="Small")


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def welcome_text() -> str:
    return messages.TEAMS_WELCOME.format(examples=_examples())


def help_text(documents: tuple[DocumentInfo, ...], *, admin: bool) -> str:
    lines = "\n".join(
        messages.TEAMS_HELP_DOCUMENT.format(
            name=document_name(doc.council, doc.title), adopted=doc.adopted, review=doc.review
        )
        for doc in documents
    )
    text = messages.TEAMS_HELP.format(
        documents=lines, examples=_examples(), show_full_clause=messages.SHOW_FULL_CLAUSE
    )
    return f"{text}\n\n{messages.TEAMS_HELP_ADMIN}" if admin else text


def reindex_text(outcome: ReindexOutcome) -> str:
    if outcome.details is None:
        return outcome.headline
    return f"{outcome.headline}\n\n{_code_block(outcome.details)}"


def _examples() -> str:
    return "\n".join(f"- {example}" for example in messages.EXAMPLE_QUESTIONS)


def _code_block(text: str) -> str:
    # A report containing a fence of its own would otherwise end the block early.
    return "```\n" + text.replace("```", "'''").strip("\n") + "\n```"
