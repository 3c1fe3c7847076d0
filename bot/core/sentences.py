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
# A list item's marker: "-", "•", "(a)", "ii)", "3." (also what may stand between two quoted items).
# "4.4.1" marks an item too, where a clause's own sub-paragraphs finish its sentence ("Where consent is relied on:").
MARKER = r"(?P<bullet>[-•·*])|(?P<dotted>\d{1,3}(?:\.\d{1,3})+)\.?|(?P<open>\(?)(?P<mark>[a-z0-9]{1,4})(?P<close>[.)])"
_ITEM = re.compile(rf"^\s*(?:{MARKER})\s+", re.IGNORECASE)


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
    r"^(?:this|these|that|those|such|they|their|he|his|she|her|its|however|therefore|otherwise|accordingly|consequently|"
    r"nevertheless|equally|similarly|likewise|again|in (?:this|these|that|such|either|both) "
    r"(?:case|cases|circumstance|circumstances|situation|situations|event|instance|instances)|in addition|"
    r"in particular|in doing so|as such|if so|if not)\b",
    re.IGNORECASE,
)
# A clause that opens by pointing back at the one before it ("Should this not be applicable, …", "either of the
# two reasons above"): in documents whose paragraphs each stand alone as a clause, what it points at is there.
_POINTS_BACK = re.compile(
    r"^(?:should|if|where|when|unless)\s+(?:this|that|these|those|such)\b"
    r"|\bthe (?:\w+ ){0,2}(?:reasons?|circumstances?|cases?|points?|conditions?|exceptions?|steps?|options?|"
    r"grounds?|requirements?) above\b",
    re.IGNORECASE,
)
# A sentence that qualifies the one before it ("However, they must first …", "Unless …"): quoting the
# first without it states the rule without its condition.
_QUALIFIES = re.compile(r"^(?:but|unless|only|except|provided|save that|subject to|in that case|if so)\b", re.IGNORECASE)
# A permission or a right: what follows it in the same paragraph is, more often than not, its condition
# ("… they may pass it on. The officer should first consult the councillor who asked.").
_PERMITS = re.compile(r"\b(?:may|can|is entitled to|are entitled to|ha(?:s|ve) (?:a|the) right|(?:is|are) free to|"
                      r"(?:is|are) (?:allowed|permitted) to)\b(?! not\b)", re.IGNORECASE)
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|Cllr|No|para|cf)\.|\b[A-Z]\.)$", re.IGNORECASE)


# "This protocol …", "This policy confirms:": a clause naming its own document points at nothing before it.
_NAMES_ITS_DOCUMENT = re.compile(
    r"^(?:this|these|that)\s+(?:protocol|policy|code|strategy|document|procedure|guidance|section|part|plan|charter|"
    r"council|framework|scheme|constitution|standing orders|agreement|statement|notes?|appendix|chapter)\b",
    re.IGNORECASE,
)


# A lead-in that says nothing alone ("It will:", "They must not:"): the sentence before it says what its items
# are about ("Each post on the council's pages must meet these standards. It must: - be polite …"), so a quote
# of an item holds it too. Items are matched with the lead-in alone: the sentence before it as well diluted them.
_BARE_LEAD = re.compile(r"^(?:it|they|these|this|we|you|he|she)\b(?:\s+\S+){0,3}:$", re.IGNORECASE)


# A list's lead-in that only names what the list is about ("Meetings (all held in public)" above "(a) Ordinary
# meetings shall be held …"): short, unpunctuated, not opening as a sentence does ("This protocol covers") and
# with no verb, it governs nothing. Items that are whole sentences say it all, and quoted before one it reads
# as a heading run into the rule.
_NAMING_LEAD_WORDS = 6
_GOVERNS = re.compile(
    r"^(?:this|these|that|those|the|a|an|it|they|we|you|he|she|each|every|all|any|our|your|their|its)\b"
    r"|\b(?:should|must|shall|will|may|can|could|would|are|is|be|have|has|do|does|not)\b",
    re.IGNORECASE,
)


def _only_names_the_list(lead: str, item: str) -> bool:
    return (len(lead.split()) <= _NAMING_LEAD_WORDS and not lead.endswith((":", ".", ";", ",", "-", "–", "—"))
            and not _GOVERNS.search(lead) and item[:1].isupper())


def points_back(sentence: str) -> bool:
    """Whether a clause's opening sentence needs what stands before the clause to be read rightly."""
    return bool((_REFERS_BACK.match(sentence) and not _NAMES_ITS_DOCUMENT.match(sentence))
                or _POINTS_BACK.search(sentence))


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


@dataclass(frozen=True)
class Placed:
    """A sentence of a clause with what stands around it."""

    sentence: str
    lead: str | None  # the sentence introducing the list it is an item of
    before: str  # the sentence before it in the clause ("" for the first)
    after: str  # the next sentence of its paragraph or item ("" for the last)

    @property
    def context(self) -> str | None:
        """What it needs before it to be read rightly: a list item's lead-in ("they must not, either:" before
        "insist that an Officer is disciplined"), or the sentence it refers back to ("This means that …")."""
        if self.lead:
            return None if _only_names_the_list(self.lead, self.sentence) else self.lead
        refers = _REFERS_BACK.match(self.sentence) or (_BARE_LEAD.match(self.sentence)
                                                       and not _NAMES_ITS_DOCUMENT.match(self.sentence))
        return self.before if self.before and refers else None

    @property
    def qualifier(self) -> str | None:
        """The next sentence when it qualifies or explains this one ("However, …", "This means …"), and
        the next after a permission, where the condition on it usually stands."""
        if not self.after:
            return None
        limits = _REFERS_BACK.match(self.after) or _QUALIFIES.match(self.after) or _PERMITS.search(self.sentence)
        return self.after if limits else None


_ROMAN = re.compile(r"^(?:i{1,3}|iv|vi{0,3}|ix|x|xi{1,2})$", re.IGNORECASE)


def _style(found: re.Match[str], letters_at: set[str]) -> str:
    """How a list item (`found`: its marker, matched by _ITEM) is marked ("(a)", "1.", "ii)", "-"), less which
    one it is: items marked alike are siblings. "i" is a letter when it follows "h" in a lettered list
    (`letters_at`: the letters last seen)."""
    if found["bullet"]:
        return found["bullet"]
    if found["dotted"]:
        return "1" + ".1" * found["dotted"].count(".")
    mark = found["mark"].lower()
    if mark.isdigit():
        kind = "1"
    elif _ROMAN.match(mark) and not (len(mark) == 1 and chr(ord(mark) - 1) in letters_at):
        kind = "i"
    elif mark.isalpha() and len(mark) == 1:
        kind = "a"
    else:
        kind = "?"
    return f"{found['open']}{kind}{found['close']}"


def placed(text: str) -> list[Placed]:
    """Every sentence and list item of a clause, in order, each with its lead-in and neighbours. A list
    nests: an item ending in a colon leads the items marked differently after it ("(2) Where you act as a
    representative:" / "a) on another authority …" / "b) on any other body …"), until one marked like it."""
    out: list[Placed] = []
    # [style of the items it leads ("" until one is seen), its sentence, how its own line is marked], outermost first
    leads: list[list[str]] = []
    letters_at: set[str] = set()
    previous = own = ""  # own: how the clause's top paragraphs are marked ("(1)", "(2)": siblings, not items)
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        found_item = _ITEM.match(line)
        marked = _style(found_item, letters_at) if found_item else ""
        style = marked if leads and marked != own else ""
        if not style:
            own = marked or own
        lead: str | None = None
        if found_item and style:
            # an item marked like the item that led in ("b) … seek assistance from the Team:" then "c) consider …",
            # a colon for a semicolon) is its sibling, not one of its items
            while len(leads) > 1 and leads[-1][2] == style:
                leads.pop()
            level = next((at for at in range(len(leads) - 1, -1, -1) if leads[at][0] in (style, "")), 0)
            del leads[level + 1 :]
            leads[level][0] = style
            lead = leads[level][1]
            if style.strip("().").startswith("a"):
                letters_at = {found_item["mark"].lower()}
        found = sentences(_ITEM.sub("", line, count=1) if style else line)
        for before, current, after in zip([previous, *found], found, [*found[1:], ""], strict=False):
            out.append(Placed(current, lead, before, after))
        if found:
            previous = found[-1]
            if not style:
                leads = [["", found[-1], ""]]
            elif found[-1].endswith(":"):
                leads.append(["", found[-1], style])
    return out


def pieces(text: str) -> list[Piece]:
    """Each sentence and list item, then the asked form of each that states a rule."""
    out = [Piece(p.sentence, f"{p.lead} {p.sentence}" if p.lead else p.sentence) for p in placed(text)]
    asked = [Piece(piece.quote, form) for piece in out if (form := asked_form(piece.quote))]
    return out + asked
