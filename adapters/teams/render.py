"""What the bot sends to Teams: answers as Adaptive Cards, everything else as Teams Markdown text,
and the data a card's feedback buttons send back.

Pure functions over plain dicts: no SDK types, so they move unchanged to another Teams SDK.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.teams.safe_text import plain, shorten, typed_by_user
from bot import messages
from bot.answer import Answer, Citation
from bot.feedback import CitedRef, cited_refs
from bot.reindex_runner import ReindexOutcome
from bot.status import DocumentInfo, IndexStatus
from bot.status_report import document_name, render_status

Card = dict[str, Any]

CARD_VERSION = "1.5"  # the highest version every Teams client renders
# Teams refuses messages over about 28 KB; the activity envelope and Teams' own additions need the rest.
CARD_BUDGET_BYTES = 20_000
FEEDBACK_ACTION = "feedback"

_QUESTION_CHARS = 300
_LABEL_CHARS = 200
_QUOTE_CHARS = 800
_CLAUSE_CHARS = 6_000
_CLAUSE_CHARS_MIN = 200
_FEEDBACK_QUESTION_CHARS = 500
_FEEDBACK_REF_CHARS = 200
_FEEDBACK_MAX_REFS = 10


@dataclass(frozen=True)
class FeedbackVote:
    helpful: bool
    question: str
    citations: tuple[CitedRef, ...]


def answer_card(answer: Answer) -> Card:
    """The reply to a question: lead, cited clauses with a full-text toggle each, feedback buttons."""
    if answer.out_of_scope:
        return _card([_asked(answer.question), _text(plain(messages.OUT_OF_SCOPE))])
    limit = _CLAUSE_CHARS
    card = _cited_card(answer, limit)
    while card_bytes(card) > CARD_BUDGET_BYTES and limit > _CLAUSE_CHARS_MIN:
        limit //= 2
        card = _cited_card(answer, limit)
    return card


def card_bytes(card: Card) -> int:
    """Size on the wire; ASCII-escaped JSON is the largest encoding a sender may choose."""
    return len(json.dumps(card, ensure_ascii=True).encode("ascii"))


def read_feedback(value: object) -> FeedbackVote | None:
    """The vote a feedback button sent, or None for anything else (including forged or damaged data)."""
    if not isinstance(value, dict) or value.get("action") != FEEDBACK_ACTION:
        return None
    helpful, question, refs = value.get("helpful"), value.get("question"), value.get("citations")
    if not isinstance(helpful, bool) or not isinstance(question, str) or not isinstance(refs, list):
        return None
    citations = []
    for ref in refs[:_FEEDBACK_MAX_REFS]:
        if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str)):
            return None
        if not all(part is None or isinstance(part, str) for part in ref[1:]):
            return None
        citations.append(CitedRef(*(None if part is None else shorten(part, _FEEDBACK_REF_CHARS) for part in ref)))
    return FeedbackVote(helpful, shorten(question, _FEEDBACK_QUESTION_CHARS), tuple(citations))


def _cited_card(answer: Answer, clause_chars: int) -> Card:
    body: list[dict[str, Any]] = [_asked(answer.question), _text(plain(answer.lead), weight="Bolder")]
    number = 0
    for group in answer.groups:
        body.append(_text(plain(group.title), size="Medium", weight="Bolder", spacing="Large"))
        if group.council:
            body.append(_text(plain(group.council), isSubtle=True, spacing="None"))
        for citation in group.citations:
            number += 1
            body.append(_citation(citation, f"clause-{number}", clause_chars))
    return _card(
        body,
        actions=[
            _feedback_button(answer, helpful=True, title=messages.HELPFUL),
            _feedback_button(answer, helpful=False, title=messages.NOT_HELPFUL),
        ],
    )


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


def _feedback_button(answer: Answer, *, helpful: bool, title: str) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {
            "action": FEEDBACK_ACTION,
            "helpful": helpful,
            "question": shorten(answer.question, _FEEDBACK_QUESTION_CHARS),
            "citations": [[ref.source, ref.clause, ref.heading] for ref in cited_refs(answer)],
        },
    }


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


def status_text(status: IndexStatus) -> str:
    return _code_block(render_status(status))


def reindex_text(outcome: ReindexOutcome) -> str:
    if outcome.details is None:
        return outcome.headline
    return f"{outcome.headline}\n\n{_code_block(outcome.details)}"


def _examples() -> str:
    return "\n".join(f"- {example}" for example in messages.EXAMPLE_QUESTIONS)


def _code_block(text: str) -> str:
    # A report containing a fence of its own would otherwise end the block early.
    return "```\n" + text.replace("```", "'''").strip("\n") + "\n```"
