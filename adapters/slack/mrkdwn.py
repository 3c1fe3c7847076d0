"""Slack message text in both directions: incoming markup to a plain question, outgoing text to inert mrkdwn."""

from __future__ import annotations

import re

from bot.question import displayable

_TOKEN = re.compile(r"<([^<>]*)>")
# Slack only parses markup between < and >, but a mrkdwn text object without `verbatim` and some clients
# still turn a bare "@here" into a live mention; a word joiner after the "@" keeps it readable and inert.
_BARE_SPECIAL_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_ELLIPSIS = "…"


def escape(text: str) -> str:
    """Text from a document or a person, made safe to place in mrkdwn: no links, mentions or broadcasts."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE_SPECIAL_MENTION.sub("@" + _WORD_JOINER, escaped)


def _plain_token(body: str, bot_user_id: str | None) -> str:
    target, _, label = body.partition("|")
    if target.startswith("@"):
        return "" if target[1:] == bot_user_id else label or target
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>: say it, never re-send it as markup
        return label or "@" + target[1:].split("^", 1)[0]
    return label or target


def plain_question(text: str, bot_user_id: str | None) -> str:
    """The question a person typed, without the bot's own mention and with Slack's markup spelt out, safe
    to keep and to show back (see `displayable`)."""
    spelt = _TOKEN.sub(lambda m: _plain_token(m.group(1), bot_user_id), text)
    unescaped = spelt.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return displayable(unescaped)


def cut_point(text: str, limit: int) -> int:
    """Where to cut escaped text to at most `limit` characters: at white space if near, never inside an entity."""
    if len(text) <= limit:
        return len(text)
    window = limit * 9 // 10
    space = max(text.rfind(" ", window, limit + 1), text.rfind("\n", window, limit + 1))
    cut = space if space > 0 else limit
    entity_start = text.rfind("&", max(0, cut - 4), cut)
    if entity_start >= 0 and not _ENTITY.match(text, entity_start, cut):
        # the cut would split "&amp;" or its kin; keep the entity whole on the far side
        cut = entity_start
    return cut


def fit(text: str, limit: int) -> str:
    """Escaped text trimmed to Slack's limit for the field, marked with an ellipsis when trimmed."""
    if len(text) <= limit:
        return text
    return text[: cut_point(text, limit - len(_ELLIPSIS))].rstrip() + _ELLIPSIS
