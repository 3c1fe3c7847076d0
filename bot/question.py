"""Cleaning what a person typed before it is searched or echoed anywhere."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot import messages
from bot.errors import InvalidQuestion

MAX_QUESTION_CHARS = 1000

# Slack's <!channel>, <!here|here>, <@U123>, <#C123|name>, <!subteam^S1> and the typed @here forms:
# a question is echoed back in replies, so a mention in it would notify people.
_MENTION = re.compile(r"<[!@#][^>]*>|(?<!\w)@(?:here|channel|everyone)\b", re.IGNORECASE)
_WORD = re.compile(r"\w{2,}")


@dataclass(frozen=True)
class Question:
    text: str
    trimmed: bool


# Control and format characters (NUL, escape sequences, zero-width joiners) only ever hide text; a lone
# surrogate (half an emoji cut off, or undecodable bytes read with surrogateescape) cannot be written
# out as UTF-8 at all, so it would crash whatever echoes the question.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def printable(text: str) -> str:
    """Text that can be written anywhere: lone surrogates replaced by U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8") if any("\ud800" <= c <= "\udfff" for c in text) else text


def clean(raw: str) -> Question:
    text = _MENTION.sub(" ", raw or "")
    text = "".join(" " if unicodedata.category(ch) in _HIDDEN else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion(messages.EMPTY_QUESTION)
    if not _WORD.search(text):
        raise InvalidQuestion(messages.NO_WORDS)
    trimmed = len(text) > MAX_QUESTION_CHARS
    if trimmed:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
    return Question(text, trimmed)
