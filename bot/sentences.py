"""Splitting a clause into the sentences and list items a question may match on its own.

A question is often answered by one item deep in a long list or by the last sentence of a long
clause; matching those pieces separately, then citing their parent clause, finds them where a
whole-clause vector is diluted by everything else the clause says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_ITEM = re.compile(r"^\s*(?:[-•·*]|\(?[a-z0-9]{1,4}[.)])\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    quote: str  # verbatim, what a reply quotes
    embed_text: str  # what is matched: a list item carries the sentence that introduces it


_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|Cllr|No|para|cf)\.|\b[A-Z]\.)$", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text)):
        if not part:
            continue
        # "e.g. Mr. Smith" must not end a sentence; the split cannot see that, so rejoin after it.
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def pieces(text: str) -> list[Piece]:
    out: list[Piece] = []
    lead = ""
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if _ITEM.match(line) and lead:
            item = _ITEM.sub("", line, count=1)
            out.extend(Piece(s, f"{lead} {s}") for s in sentences(item))
            continue
        found = sentences(line)
        out.extend(Piece(s, s) for s in found)
        if found:
            lead = found[-1]
    return out
