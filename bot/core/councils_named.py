"""A question that names one of the councils whose documents are indexed is answered from that council's.

A shared service indexes several councils' documents side by side, and people name their council to say
whose rules they mean ("which staff may talk to the press for Little Marston TC?"). Another council's
clause on the same subject, quoted first, reads as the answer and misleads. Documents that do not state a
council stay in reach: in one council's folder they are usually its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import lru_cache

from bot.core.council_kinds import ABBREVIATIONS, KINDS
from bot.core.lexical import tokens

# Words of a council's name that do not tell one council from another, and the joining words of
# place names ("Shavington-cum-Gresty", "Kingston upon Thames").
_GENERIC = frozenset({
    "the", "of", "and", "with", "cum", "upon", "on", "in", "under", "by", "next", "le", "st",
    "royal", "council", "councils", *KINDS, *ABBREVIATIONS,
})
_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'").replace("'s", ""))


@lru_cache(maxsize=1024)  # asked for each council on every question; an index names few councils
def place(council: str) -> tuple[str, ...]:
    """The words that name the place: "Little Marston Town Council" -> ("little", "marston"). Words every
    question has ("about", "what") are left out: they tell no council from another."""
    return tuple(w for w in _words(council) if w not in _GENERIC and tokens(w))


def named_in(question: str, councils: Mapping[str, str]) -> frozenset[str] | None:
    """The documents (by file name, from `councils`: file name -> council) that a question naming one or
    more of those councils may be answered from: theirs, and those stating no council. None when the
    question names none of them. A council is named by its whole place name: its first word alone
    ("market" for Market Rasen) is too often an everyday word."""
    asked = set(_words(question))
    places = {council: place(council) for council in set(councils.values())}
    named = {council for council, words in places.items() if words and set(words) <= asked}
    if not named:
        return None
    return frozenset(source for source, council in councils.items() if council in named or not places[council])


def narrowed(question: str, councils: Mapping[str, str], allowed: Collection[str]) -> frozenset[str]:
    """`allowed` narrowed to the councils the question names among those allowed: a council named whose
    documents are out of reach (another council's, in a channel kept to one) narrows nothing."""
    named = named_in(question, {source: council for source, council in councils.items() if source in allowed})
    return named if named is not None else frozenset(allowed)
