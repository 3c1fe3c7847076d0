"""What the bot sends to Teams: answers as Copilot's are drawn (text with numbered markers [1], [2] and a
citation for each, Teams' own 👍/👎 control) above an Adaptive Card of the quoted clauses; everything else
as Teams Markdown text; and what a card's inputs and Teams' feedback control send back.

Pure functions over plain dicts: no SDK types, so every host (adapters/teams/host.py) sends them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.teams.safe_text import plain, shorten, typed_by_user
from bot import messages
from bot.answer import Answer, Citation
from bot.service.conversation import AnswerReply, HelpReply, ReindexReply, ReindexReport, Reply, ReportReply, TextReply
from bot.service.reindex_runner import ReindexOutcome
from bot.service.status_report import document_name
from bot.status import DocumentInfo

Card = dict[str, Any]
Activity = dict[str, Any]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

CARD_VERSION = "1.5"  # the highest version every Teams client renders
# Teams refuses messages over about 28 KB; the activity envelope and Teams' own additions need the rest.
CARD_BUDGET_BYTES = 20_000
FEEDBACK_ACTION = "feedback"  # also the actionName of Teams' own feedback control
SUBMIT_ACTION = "message/submitAction"  # the invoke Teams' feedback control sends
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
# Teams' limits on a citation's appearance
_CITATION_NAME_CHARS = 80
_CITATION_ABSTRACT_CHARS = 160
_KEYWORD_CHARS = 28
_KEYWORDS = 3


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


@dataclass(frozen=True)
class Feedback:
    """A click on Teams' own 👍/👎 under an answer, with what the person typed in its box."""

    helpful: bool
    text: str


def render(reply: Reply) -> str | Activity:
    """Any reply of the core's: an answer as a message with citations, everything else as Teams Markdown."""
    if isinstance(reply, AnswerReply):
        return answer_message(reply.answer, reply.answer_id)
    if isinstance(reply, HelpReply):
        return help_text(reply.documents, admin=reply.admin)
    if isinstance(reply, ReportReply):
        return _code_block(reply.text)
    if isinstance(reply, ReindexReply | TextReply):
        return reply.text
    if isinstance(reply, ReindexReport):
        return reindex_text(reply.outcome)
    raise TypeError(f"no Teams rendering for {reply!r}")


def answer_message(answer: Answer, answer_id: str) -> Activity:
    """The reply to a question: the lead and a line per cited clause, each with its numbered marker and
    citation (Teams shows the quote on hover and the whole clause on open), Teams' feedback control, and
    the card of quotes with a full-text toggle each."""
    if answer.out_of_scope:
        return card_message(answer_card(answer))
    return _fitted(lambda limit: {
        **card_message(_cited_card(answer, limit)),
        "text": _marked_text(answer),
        "entities": [{
            "type": "https://schema.org/Message",
            "@type": "Message",
            "@context": "https://schema.org",
            "@id": "",
            # no "AIGeneratedContent" label: every cited sentence is quoted from the document, not generated
            "citation": [_claim(n, c, limit) for n, c in enumerate(answer.in_reading_order, 1)],
        }],
        "channelData": {"feedbackLoopEnabled": True},
    })


def answer_card(answer: Answer) -> Card:
    """The card under an answer's text: the question, lead, and the cited clauses with a full-text toggle each."""
    if answer.out_of_scope:
        return _card([_asked(answer.question), _text(plain(answer.lead))])
    return _fitted(lambda limit: _cited_card(answer, limit))


def card_message(card: Card) -> Activity:
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}


def correction_card(answer: Answer, answer_id: str, feedback_id: int) -> Card:
    """After an admin's 👎 in Teams' own control: which clause answers the question, which corrects the
    answer for everyone who asks it."""
    send = {"type": "Action.Submit", "title": messages.FEEDBACK_COMMENT_SEND,
            "data": {"action": COMMENT_ACTION, "feedback": feedback_id, "answer": answer_id}}
    return _card([_asked(answer.question), _teach_input(answer)], actions=[send])


def read_feedback(value: object) -> Feedback | None:
    """What Teams' feedback control sent (a message/submitAction invoke's value), or None for anything else."""
    if not isinstance(value, dict) or value.get("actionName") != FEEDBACK_ACTION:
        return None
    action = value.get("actionValue")
    if not isinstance(action, dict) or action.get("reaction") not in ("like", "dislike"):
        return None
    # the text comes as JSON in a string: {"feedbackText": "…"}
    feedback = action.get("feedback")
    try:
        typed = json.loads(feedback) if isinstance(feedback, str) and feedback else {}
    except (ValueError, RecursionError):
        typed = {}
    text = typed.get("feedbackText") if isinstance(typed, dict) else None
    return Feedback(action["reaction"] == "like", text[:_COMMENT_CHARS] if isinstance(text, str) else "")


def _marked_text(answer: Answer) -> str:
    """The lead, then a line per cited clause ending in its marker, which Teams draws as its citation."""
    lines = [plain(f"- {shorten(_capitalised(c.label), _LABEL_CHARS)}, {document_name(c.council, c.title)} [{n}]")
             for n, c in enumerate(answer.in_reading_order, 1)]
    return "\n\n".join([plain(answer.lead), *lines])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _claim(number: int, citation: Citation, clause_chars: int) -> dict[str, Any]:
    keywords = [citation.council, citation.clause and f"clause {citation.clause}", citation.heading]
    return {
        "@type": "Claim",
        "position": number,
        "appearance": {
            "@type": "DigitalDocument",
            "name": shorten(citation.title, _CITATION_NAME_CHARS),
            "abstract": shorten(citation.quote, _CITATION_ABSTRACT_CHARS),
            # what Teams shows when the citation is opened: plain text, as no encodingFormat is given
            "text": _full_text(citation, clause_chars),
            "keywords": [shorten(k, _KEYWORD_CHARS) for k in keywords if k][:_KEYWORDS],
        },
    }


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
        inputs.insert(0, _teach_input(answer))
    send = {"type": "Action.Submit", "title": messages.FEEDBACK_COMMENT_SEND,
            "data": {"action": COMMENT_ACTION, "feedback": comment_for, "answer": answer_id}}
    return _fitted(lambda limit: _cited_card(answer, limit, extra=[thanks, *inputs], actions=[send]))


def _teach_input(answer: Answer) -> dict[str, Any]:
    choices = [{"title": plain(shorten(messages.TEACH_CHOICE.format(
                    label=c.label, title=document_name(c.council, c.title)), _LABEL_CHARS)), "value": str(n)}
               for n, c in enumerate(answer.nearest)]
    choices.append({"title": plain(messages.TEACH_CHOICE_NOT_COVERED), "value": TEACH_NOT_COVERED})
    return {"type": "Input.ChoiceSet", "id": TEACH_INPUT, "style": "compact", "isRequired": False,
            "label": plain(messages.TEAMS_TEACH_LABEL), "choices": choices}


def _fitted(make: Callable[[int], Card]) -> Card:
    """The card (or message) from `make`, with clause texts shortened until it fits Teams' size limit."""
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
            body.append(_citation(citation, number, clause_chars))
    return _card(body + (extra or []), actions=actions)


def _citation(citation: Citation, number: int, clause_chars: int) -> dict[str, Any]:
    full_text_id = f"clause-{number}"
    items = [
        # the number of its marker in the message's text
        _text(plain(f"[{number}] " + shorten(_capitalised(citation.label), _LABEL_CHARS)), weight="Bolder"),
        _text(plain(f"“{shorten(citation.quote, _QUOTE_CHARS)}”")),
    ]
    if citation.note:
        items.append(_text(plain(shorten(citation.note, _LABEL_CHARS)), isSubtle=True, size="Small"))
    items.append(_text(plain(_full_text(citation, clause_chars)), id=full_text_id, isVisible=False))
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


def _full_text(citation: Citation, clause_chars: int) -> str:
    full_text = shorten(citation.text, clause_chars)
    return full_text if full_text == citation.text else full_text + "\n" + messages.TEAMS_CLAUSE_SHORTENED


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
