"""When a document was adopted or last reviewed, in its own words, for the question that asks.

Clerks and councillors ask "when did we adopt the current code?" or "is the social media policy up to
date?". Councils print the answer in a document's opening lines ("Adopted by Full Council 17 January
2023", "Last reviewed: May 2024", "Review date: March 2027"), which the parser takes as title lines, not
clauses, so no clause answers and the question used to be declined. The lines are read at index time and
quoted as they stand when a question asks about a document itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.council_kinds import ABBREVIATIONS, KINDS
from bot.core.councils_named import place
from bot.core.lexical import tokens

OPENING_LINES = 40  # where councils print adoption and review: above or just below the title
MAX_WORDS = 20  # a status line, not a clause that happens to mention a date
MAX_LINES = 3

_STATUS_WORD = re.compile(r"\b(?:adopted|approved|ratified|agreed|reviewed|review|updated|revised|version|issue)\b",
                          re.IGNORECASE)
_DATED = re.compile(r"\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\bversion\s*\d+(?:\.\d+)*\b",
                    re.IGNORECASE)
_EMPHASIS = "*#_ \t"  # Markdown's bold and heading marks around a line

# A question about the document itself: when it was adopted or reviewed, whether it is current.
_ASKS_STATUS = re.compile(
    r"\b(?:when|what date|which date|what year)\b.*\b(?:adopt|approv|ratif|agreed|review|updat|revis|came into force"
    r"|come into force|brought in|introduced)"
    r"|\b(?:last|next)\s+(?:review|updat|revis)|\bdue (?:for )?(?:a )?review|\b(?:up to date|out of date)\b"
    r"|\bhow old\b|\b(?:current|latest|newest) version\b|\bwhich version\b",
    re.IGNORECASE,
)
# ... naming a document, or pointing at one ("when was it adopted?"), so "when was the budget adopted?" is not.
_NAMES_DOCUMENT = re.compile(
    r"\b(?:code|codes|protocol|policy|policies|standing orders|procedure|document|regulations|guidance|constitution"
    r"|rules|handbook|scheme|it|this|these)\b",
    re.IGNORECASE,
)
# Words such a question is made of besides the document's own: a question with more of its own words asks
# about something in the document ("when a complaint is reviewed, can the complainant attend?").
_ABOUT_DOCUMENT = frozenset(tokens(
    "adopt adopted approve approved ratified agreed review reviewed update updated revise revised version date "
    "last next current latest newest old up out force came come brought introduced year ago long how "
    "code codes protocol policy policies standing orders procedure document regulations guidance constitution "
    "rules handbook scheme council full " + " ".join((*KINDS, *ABBREVIATIONS))
))
MAX_OWN_WORDS = 2


def status_lines(text: str) -> tuple[str, ...]:
    """A document's own lines on when it was adopted, reviewed or revised, near its top, as they stand."""
    found: list[str] = []
    for raw in text.splitlines()[:OPENING_LINES]:
        line = " ".join(raw.strip(_EMPHASIS).split())
        if line and len(line.split()) <= MAX_WORDS and _STATUS_WORD.search(line) and _DATED.search(line):
            found.append(line)
    return tuple(dict.fromkeys(found))[:MAX_LINES]


def place_words(councils: Iterable[str]) -> frozenset[str]:
    """The words of the councils' place names, as a question's words are compared: worked out once an index."""
    return frozenset(tokens(" ".join(word for council in councils for word in place(council))))


def asks_about_document(question: str, place_words: frozenset[str] = frozenset()) -> bool:
    """Whether a question asks when a document was adopted or reviewed, or whether it is current.
    `place_words` (from `place_words`): the indexed councils' place names, which say whose document, not what about it."""
    if not (_ASKS_STATUS.search(question) and _NAMES_DOCUMENT.search(question)):
        return False
    own = [t for t in tokens(question) if t not in _ABOUT_DOCUMENT and t not in place_words]
    return len(own) <= MAX_OWN_WORDS
