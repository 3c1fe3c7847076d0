"""Splitting a clause into the sentences and list items a question may match on its own.

A question is often answered by one item deep in a long list or by the last sentence of a long
clause; matching those pieces separately, then citing their parent clause, finds them where a
whole-clause vector is diluted by everything else the clause says.

A rule ("Councillors should not contact staff at home") is also matched in the form people ask
about it ("Can councillors contact staff at home?"): a question and the statement answering it
differ in exactly the words an embedding weighs, so the asked form narrows the gap for any
council's wording, with no training.
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


# "<who> <modal> <what>": the shape of nearly every rule a protocol states.
_RULE = re.compile(
    r"^(?P<who>.{3,80}?)\s+(?:should not|must not|shall not|will not|cannot|should never|must never|should|must|"
    r"shall|will|may|are expected to|is expected to|are not|is not|are|is)\s+(?P<what>.{5,})$",
    re.IGNORECASE,
)
# A sentence that points back to the one before it: quoted alone it loses what it is about, and
# "In these circumstances they may…" can read as a general permission.
_REFERS_BACK = re.compile(
    r"^(?:this|these|that|those|such|they|he|she|however|therefore|otherwise|accordingly|consequently|"
    r"nevertheless|equally|similarly|likewise|again|in (?:this|these|that|such|either|both) "
    r"(?:case|cases|circumstance|circumstances|situation|situations|event|instance|instances)|in addition|"
    r"in particular|in doing so|as such|if so|if not)\b",
    re.IGNORECASE,
)
# A sentence that qualifies the one before it ("However, they must first …", "Unless …"): quoting the
# first without it states the rule without its condition.
_QUALIFIES = re.compile(r"^(?:but|unless|only|except|provided|save that|subject to|in that case|if so)\b", re.IGNORECASE)
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


def asked_form(sentence: str) -> str | None:
    """The question a rule answers: "Officers must not canvass." -> "Can officers canvass?"."""
    found = _RULE.match(sentence.rstrip(".;:"))
    if not found:
        return None
    who = found["who"]
    return f"Can {who[0].lower()}{who[1:]} {found['what']}?"


def context(text: str, sentence: str) -> str | None:
    """What a sentence of a clause needs beside it to be read rightly: a list item's lead-in ("they must
    not, either:" before "insist that an Officer is disciplined"), or the sentence before one that
    refers back ("This means that …"). None when it stands on its own."""
    lead = previous = ""
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if _ITEM.match(line) and lead:
            found = sentences(_ITEM.sub("", line, count=1))
            if sentence in found:
                return lead
        else:
            found = sentences(line)
            for before, current in zip([previous, *found], found, strict=False):
                if current == sentence:
                    return before if before and _REFERS_BACK.match(sentence) else None
            if found:
                lead = found[-1]
        if found:
            previous = found[-1]
    return None


def qualifier(text: str, sentence: str) -> str | None:
    """The sentence after `sentence` in its paragraph when it qualifies or explains it ("However, …",
    "This means …"): part of the same rule. None when the next sentence stands on its own."""
    for line in text.splitlines():
        found = sentences(_ITEM.sub("", line.strip(), count=1))
        for current, after in zip(found, found[1:], strict=False):
            if current == sentence:
                return after if _REFERS_BACK.match(after) or _QUALIFIES.match(after) else None
    return None


def pieces(text: str) -> list[Piece]:
    """Each sentence and list item, then the asked form of each that states a rule."""
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
    asked = [Piece(piece.quote, form) for piece in out if (form := asked_form(piece.quote))]
    return out + asked
