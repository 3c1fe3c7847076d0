"""Text that goes into Adaptive Card TextBlocks, made inert.

TextBlock renders a Markdown subset, `{{DATE()}}` functions and, in Teams, auto-links URLs, and some
mobile clients render text containing `<` as HTML. Backslash escapes render differently on desktop and
mobile, so instead we break each syntax with a zero-width space, which the reader never sees.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
# Looks like a full stop, but is punctuation that ends a host name, so "evil.example" is not linked.
ONE_DOT_LEADER = "\u2024"

_BREAKS = (
    ("<", "<" + ZERO_WIDTH_SPACE),  # no tag can form: no <at> mention, no <https://…> autolink
    ("](", "]" + ZERO_WIDTH_SPACE + "("),  # [text](url) link
    ("]:", "]" + ZERO_WIDTH_SPACE + ":"),  # [label]: url reference definition
    ("{{", "{" + ZERO_WIDTH_SPACE + "{"),  # {{DATE(...)}} / {{TIME(...)}} functions
    ("://", ":" + ZERO_WIDTH_SPACE + "//"),  # scheme of an auto-linked URL
)
_DOT_IN_WORD = re.compile(r"(?<=\w)\.(?=\w)")
_NEWLINES = re.compile(r"\s*\n\s*")


def plain(text: str) -> str:
    """Any text shown in a TextBlock: no links, mentions or functions, line breaks kept."""
    for syntax, broken in _BREAKS:
        text = text.replace(syntax, broken)
    # TextBlock Markdown needs a blank line for a line break to show.
    return _NEWLINES.sub("\n\n", text.strip())


def typed_by_user(text: str) -> str:
    """Text a person typed: also no bare host names or e-mail addresses, which Teams would link."""
    return _DOT_IN_WORD.sub(ONE_DOT_LEADER, plain(text))


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"
