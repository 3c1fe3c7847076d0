"""Block Kit for everything the bot posts: pure functions from the core's types to Slack JSON.

Every piece of text that came from a document or a person goes through `escape` and is trimmed to
Slack's field limits here, so no answer can be refused by the API or ping a channel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import cut_point, escape, fit
from bot import messages
from bot.answer import Answer, Citation
from bot.service.conversation import AnswerReply, HelpReply, ReindexReply, ReindexReport, Reply, ReportReply, TextReply
from bot.service.reindex_runner import ReindexOutcome
from bot.service.status_report import document_name
from bot.status import DocumentInfo

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackReply:
    text: str  # escaped mrkdwn: the whole reply, or the fallback for `blocks`
    blocks: list[Block] | None = None

MAX_BLOCKS = 50  # per message; App Home allows 100 but the help text fits in 50
MAX_SECTION_TEXT = 3000  # also the limit of a context block's text

ACTION_SHOW_CLAUSE = "protocol_show_clause"
ACTION_FEEDBACK = "protocol_feedback_buttons"  # Slack's feedback_buttons element; its value says which
# the classic 👍/👎 buttons of answers posted before feedback_buttons: their clicks still count
ACTION_HELPFUL = "protocol_helpful"
ACTION_UNHELPFUL = "protocol_unhelpful"
ACTION_SHARE = "protocol_share"
VIEW_FEEDBACK = "protocol_feedback"
FEEDBACK_INPUT = "comment"
TEACH_INPUT = "teach"
TEACH_NOT_COVERED = "not_covered"
MAX_OPTION_TEXT = 75


def _mrkdwn(text: str) -> Block:
    # verbatim: Slack must not turn anything in our text into links or mentions
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(fit(text, MAX_SECTION_TEXT))}


def context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(fit(text, MAX_SECTION_TEXT))]}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def citation_value(answer_id: str, index: int) -> str:
    return f"{answer_id}:{index}"


def parse_citation_value(value: str) -> tuple[str, int]:
    answer_id, _, index = value.rpartition(":")
    return answer_id, int(index)


_HELPFUL, _UNHELPFUL = "helpful", "unhelpful"


def parse_feedback_value(value: str) -> tuple[bool, str] | None:
    """(helpful, answer id) from a feedback_buttons click's value, or None for any other value."""
    verdict, _, answer_id = value.partition(":")
    return (verdict == _HELPFUL, answer_id) if verdict in (_HELPFUL, _UNHELPFUL) and answer_id else None


def feedback_block(answer_id: str) -> Block:
    """Slack's own 👍/👎 under an answer, as its agents' answers have."""
    def side(text: str, label: str, verdict: str) -> Block:
        return {"text": _plain(text), "accessibility_label": label, "value": f"{verdict}:{answer_id}"}

    return {"type": "context_actions", "elements": [{
        "type": "feedback_buttons", "action_id": ACTION_FEEDBACK,
        "positive_button": side(messages.SLACK_FEEDBACK_HELPFUL, messages.SLACK_FEEDBACK_HELPFUL_LABEL, _HELPFUL),
        "negative_button": side(messages.SLACK_FEEDBACK_UNHELPFUL, messages.SLACK_FEEDBACK_UNHELPFUL_LABEL, _UNHELPFUL),
    }]}


def _citation_section(citation: Citation, value: str) -> Block:
    heading = f"*{escape(citation.label)}*\n"
    note = f"\n_{escape(citation.note)}_" if citation.note else ""
    quote = escape(" ".join(citation.quote.split()))
    text = heading + ">" + fit(quote, MAX_SECTION_TEXT - len(heading) - len(note) - 1) + note
    block = section(text)
    block["accessory"] = button(messages.SHOW_FULL_CLAUSE, ACTION_SHOW_CLAUSE, value)
    return block


def render(reply: Reply, *, question_line: str | None = None, shareable: bool = False) -> SlackReply:
    """Any reply of the core's as Slack text and blocks; see `answer_reply` for the two options."""
    if isinstance(reply, AnswerReply):
        return answer_reply(reply.answer, reply.answer_id, question_line=question_line, shareable=shareable)
    if isinstance(reply, HelpReply):
        return SlackReply(messages.SLACK_HELP_INTRO, help_blocks(reply.documents))
    if isinstance(reply, ReportReply):
        return SlackReply(fit(escape(reply.text), MAX_SECTION_TEXT), preformatted_blocks(reply.text))
    if isinstance(reply, ReindexReply | TextReply):
        return SlackReply(escape(reply.text))
    if isinstance(reply, ReindexReport):
        return reindex_report(reply.outcome)
    raise TypeError(f"no Slack rendering for {reply!r}")


def answer_reply(
    answer: Answer, answer_id: str, *, question_line: str | None = None, shareable: bool = False
) -> SlackReply:
    """An answer: a plain line when the protocols do not cover the question, else blocks with buttons.

    `question_line` is escaped mrkdwn shown under the lead where readers cannot see the question itself
    (a private /protocol answer, or one shared into a channel).
    """
    if answer.out_of_scope:
        return SlackReply(escape(answer.lead))
    return SlackReply(answer_text(answer),
                      answer_blocks(answer, answer_id, question_line=question_line, shareable=shareable))


def voted_blocks(original: list[Block] | None, answer: Answer, answer_id: str) -> SlackReply:
    """The answer once voted on: its feedback buttons (or the classic pair, on an answer posted before
    them) give way to the thanks, other buttons stay.

    `original` is the message as Slack holds it (a private answer's is not sent with the click).
    """
    blocks = original or answer_blocks(answer, answer_id, question_line=_question_line(answer), shareable=True)
    kept: list[Block] = []
    for block in blocks:
        if block.get("type") == "context_actions":
            continue
        if block.get("type") == "actions":
            others = [e for e in block.get("elements", []) if e.get("action_id") not in (ACTION_HELPFUL, ACTION_UNHELPFUL)]
            if others:
                kept.append({**block, "elements": others})
            continue
        kept.append(block)
    return SlackReply(answer_text(answer), kept + [context(messages.FEEDBACK_THANKS)])


def _question_line(answer: Answer) -> str:
    return messages.SLACK_QUESTION_LINE.format(question=escape(answer.question))


def reindex_report(outcome: ReindexOutcome) -> SlackReply:
    headline = escape(outcome.headline)
    return SlackReply(headline, [section(headline)] + (preformatted_blocks(outcome.details) if outcome.details else []))


def answer_blocks(
    answer: Answer, answer_id: str, *, question_line: str | None = None, shareable: bool = False
) -> list[Block]:
    """The lead, each cited clause under its document, then (for a private answer) the share button,
    then Slack's own feedback buttons."""
    head = [section(escape(answer.lead))] + ([context(question_line)] if question_line else [])
    tail = [feedback_block(answer_id)]
    if shareable:
        tail.insert(0, {"type": "actions",
                        "elements": [button(messages.SLACK_SHARE, ACTION_SHARE, answer_id, style="primary")]})
    # one block is held back for the "more clauses" line, used only when something does not fit
    budget = MAX_BLOCKS - len(head) - len(tail) - 1
    index_of = {id(c): i for i, c in enumerate(answer.citations)}
    body: list[Block] = []
    shown = 0
    for group in answer.groups:
        if budget - len(body) < 2:
            break
        body.append(context(f"*{escape(document_name(group.council, group.title))}*"))
        for citation in group.citations:
            if len(body) >= budget:
                break
            body.append(_citation_section(citation, citation_value(answer_id, index_of[id(citation)])))
            shown += 1
    if shown < len(answer.citations):
        body.append(context(escape(messages.SLACK_MORE_CLAUSES.format(count=len(answer.citations) - shown))))
    return head + body + tail


def answer_text(answer: Answer) -> str:
    """The notification and screen-reader text that stands in for the blocks."""
    lines = [answer.lead] + [
        messages.SLACK_CLAUSE_FALLBACK.format(label=c.label, title=document_name(c.council, c.title))
        for c in answer.citations
    ]
    return fit(escape("\n".join(lines)), MAX_SECTION_TEXT)


def _chunks(text: str, limit: int, count: int) -> list[str]:
    """Escaped text in at most `count` pieces of at most `limit` characters; the last one trimmed if need be."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < count - 1:
        cut = cut_point(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip(" ")
    if rest:
        pieces.append(fit(rest, limit))
    return pieces


def clause_blocks(citation: Citation) -> list[Block]:
    """A clause in full, split across as many sections as Slack's 3,000-character limit needs."""
    head = [
        context(f"*{escape(document_name(citation.council, citation.title))}*"),
        section(f"*{escape(citation.label)}*"),
    ]
    return head + [section(piece) for piece in _chunks(escape(citation.text), MAX_SECTION_TEXT, MAX_BLOCKS - len(head))]


def clause_text(citation: Citation) -> str:
    return escape(messages.SLACK_CLAUSE_FALLBACK.format(
        label=citation.label, title=document_name(citation.council, citation.title)
    ))


def help_blocks(documents: tuple[DocumentInfo, ...]) -> list[Block]:
    """How to ask, the documents answered from and example questions: for /protocol help and App Home."""
    head = [section(messages.SLACK_HELP_INTRO), section(messages.SLACK_HELP_DOCUMENTS)]
    tail = [
        section(messages.SLACK_HELP_EXAMPLES + "\n" + "\n".join(f"• {q}" for q in messages.EXAMPLE_QUESTIONS)),
        context(messages.SLACK_HELP_COMMANDS),
    ]
    docs = [
        section(
            messages.SLACK_HELP_DOCUMENT.format(
                name=escape(document_name(d.council, d.title)), adopted=escape(d.adopted), review=escape(d.review)
            )
        )
        for d in documents
    ]
    return head + docs[: MAX_BLOCKS - len(head) - len(tail)] + tail


def home_view(body: list[Block]) -> Block:
    """The App Home tab: a title over `body` (the help blocks, or why they cannot be shown)."""
    header = {"type": "header", "text": _plain(messages.SLACK_HOME_TITLE)}
    return {"type": "home", "blocks": [header] + body}


def preformatted_blocks(text: str) -> list[Block]:
    """Plain text (status, reindex reports) as code sections, split to fit."""
    fence = "```"
    return [
        section(fence + piece + fence)
        for piece in _chunks(escape(text), MAX_SECTION_TEXT - 2 * len(fence), MAX_BLOCKS)
    ]


def feedback_modal(feedback_id: int, answer_id: str, channel: str, nearest: tuple[Citation, ...] | None = None
                   ) -> Block:
    """What was wrong with an answer; for an admin (`nearest` given), also which clause answers it."""
    comment = {
        "type": "input",
        "block_id": FEEDBACK_INPUT,
        "optional": nearest is not None,
        "label": _plain(messages.FEEDBACK_COMMENT_LABEL),
        "element": {"type": "plain_text_input", "action_id": FEEDBACK_INPUT, "multiline": True, "max_length": 2000},
    }
    blocks = [comment]
    if nearest is not None:
        choices = [(str(n), messages.TEACH_CHOICE.format(label=c.label, title=document_name(c.council, c.title)))
                   for n, c in enumerate(nearest)] + [(TEACH_NOT_COVERED, messages.TEACH_CHOICE_NOT_COVERED)]
        options = [{"text": _plain(_option_text(text)), "value": value} for value, text in choices]
        blocks.insert(0, {
            "type": "input", "block_id": TEACH_INPUT, "optional": True,
            "label": _plain(messages.SLACK_TEACH_LABEL), "hint": _plain(messages.SLACK_TEACH_HINT),
            "element": {"type": "static_select", "action_id": TEACH_INPUT, "options": options},
        })
    return {
        "type": "modal",
        "callback_id": VIEW_FEEDBACK,
        "private_metadata": json.dumps({"feedback": feedback_id, "answer": answer_id, "channel": channel}),
        "title": _plain(messages.SLACK_FEEDBACK_TITLE),
        "submit": _plain(messages.FEEDBACK_COMMENT_SEND),
        "close": _plain(messages.SLACK_FEEDBACK_CLOSE),
        "blocks": blocks,
    }


def _option_text(text: str) -> str:
    """Slack refuses an option longer than 75 characters."""
    return text if len(text) <= MAX_OPTION_TEXT else text[: MAX_OPTION_TEXT - 1] + "…"
