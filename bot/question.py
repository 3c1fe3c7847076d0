"""Cleaning what a person typed before it is searched or echoed anywhere."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

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
# A terminal escape sequence (colours, cursor moves, a window title): its letters after ESC would
# otherwise be left behind as noise once ESC itself is blanked. No space among the intermediates, so a
# stray CSI never swallows the first letter of the next word.
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[!-/]*[@-~]|\x9b[0-?]*[!-/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """Text that can be written anywhere: lone surrogates replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def storable(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values SQLite can store: it writes text as UTF-8, which a lone surrogate (half an emoji, from a
    platform or a person) cannot be, so each becomes U+FFFD; the same id then always finds the same row."""
    return tuple(printable(value) if isinstance(value, str) else value for value in values)


def one_line(text: str) -> str:
    """Text with every control or invisible character made a space, and runs of spaces made one."""
    return " ".join("".join(" " if unicodedata.category(c) in _HIDDEN else c for c in text).split())


def displayable(text: str) -> str:
    """What a person typed, safe to store and to show back on one line: lone surrogates replaced, and
    terminal escapes, control, format (bidi overrides) and line-separator characters blanked."""
    return one_line(_TERMINAL_ESCAPE.sub(" ", printable(text)))


def has_words(text: str) -> bool:
    return _WORD.search(text) is not None


def clean(raw: str) -> Question:
    text = displayable(_MENTION.sub(" ", raw or ""))
    if not text:
        raise InvalidQuestion(messages.EMPTY_QUESTION)
    if not has_words(text):
        raise InvalidQuestion(messages.NO_WORDS)
    trimmed = len(text) > MAX_QUESTION_CHARS
    if trimmed:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
    return Question(text, trimmed)
