"""What a document is called where people read it: its title and council, never its file name.

Drawn from the catalogue first (what an admin recorded), else from the document's own first lines
(most protocols open with the council's name and their own title), else from a readable form of the
file name (councils' websites name files for the council and the document: "mawnan_pc_standing_orders.pdf").
Shared by the console and, through the manifest's catalogue, by chat answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.core.council_kinds import ABBREVIATIONS, KINDS
from bot.core.lexical import tokens
from bot.core.manifest import DocumentRecord
from knowledge.catalogue import Entry
from knowledge.parse_lines import TITLE_SMALL_WORDS

OPENING_LINES = 10  # a title and council stand before the first clause, within the first few lines
MAX_TITLE_CHARS = 120  # "Part 5 - Appendix 2 - Protocol on the relationship between … of X County Council" is one
MAX_PLAIN_TITLE_WORDS = 6  # a title with none of a title's words is short: "Gifts & Hospitality", "Dignity at Work"
_MARKUP = re.compile(r"[#*_`>|]+")
_COUNCIL = re.compile(r"^(?:the\s+)?[\w'’.\- ]{2,60}\b(?:council)$", re.IGNORECASE)
_TITLE_WORDS = re.compile(r"\b(protocol|code|policy|procedures?|standing orders|concordat|strategy|guidance|guide|"
                          r"relations|conduct|scheme|rules|regulations|practices|charter|terms of reference)\b", re.IGNORECASE)
_NOT_TITLES = re.compile(r"^(adopted|review|reviewed|date|report to|contents|version|page|appendix|signed)\b",
                         re.IGNORECASE)
_LABELLED = re.compile(r"^(?:heading/)?title\s*:\s*", re.IGNORECASE)
# Where a title sits in a larger book: "Part 5 - Appendix 2 - ", "Section 16: ", "SECTION 15 – "
_PLACE_IN_BOOK = re.compile(r"^(?:(?:part|section|appendix|annex|schedule)\s+[\w.]+\s*[-–—:]\s*)+", re.IGNORECASE)
# A web page's trail of sections ("Elm Town Council > Your Council > Governance > Standing Orders"): the page is the last.
_BREADCRUMB = re.compile(r"\s+[>»›]\s+")
_PROSE = re.compile(r"[.;]\s+[A-Z]")  # a full stop inside the line: a sentence of the body, wrapped
_BODY = re.compile(r"^\d+\.\d+")  # the first numbered clause
_HASH = re.compile(r"^(?=.*[a-f])(?=.*\d)[0-9a-f]{8,}$", re.IGNORECASE)
# A council by its name, anywhere in a line: "Manordeilo and Salem Community Council", "Vale of X Community
# Council". The name is capitalised words, joined by the few small words place names carry.
_NAMED_COUNCIL = re.compile(
    r"\b(?P<name>(?:[A-Z][\w'’\-]*|&)(?:\s+(?:[A-Z][\w'’\-]*|&|and|of|on|upon|under|in|by|the|le|next|cum))*?)\s+"
    r"(?P<kind>(?:Parish|Town|Community|District|County|Borough|City|County Borough|Metropolitan Borough|Village)"
    r"\s+Council)\b")
# Words that are not part of a council's name: "The Parish Council", "Owner New X Council", "Officers and
# Members of X County Council". A name is what follows the last of them.
_NOT_NAMES = {"the", "this", "that", "a", "an", "each", "every", "any", "all", "for", "of", "to", "by", "with", "our",
              "your", "its", "their", "local", "other", "relevant", "full", "members", "member", "owner", "organisation",
              "officers", "officer", "councillors", "councillor", "employees", "staff", "clerk", *KINDS,
              "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december"}
_JOINING = {"and", "&", "of", "on", "upon", "under", "in", "by", "the", "le", "next", "cum"}
# A file name's leading item number ("h05_", "3a-"; not a year) files it in a folder; it is not part of what it is called.
_ITEM_CODE = re.compile(r"^[a-z]?\d{1,3}[a-z]?$", re.IGNORECASE)
# What ends a council's name after its place: "Fenwold Town Council", "Ashby MBC"
_COUNCIL_WORDS = frozenset({"council", *KINDS, *ABBREVIATIONS})
_SPELLED_OUT = {"pc": "Parish Council", "tc": "Town Council", "dc": "District Council", "bc": "Borough Council",
                "mbc": "Metropolitan Borough Council", "cbc": "County Borough Council"}
_FILE_NAME_PLACE_WORDS = 5  # "gavinton_fogo_and_polwarth_cc_...": a place name is rarely longer


@dataclass(frozen=True)
class Named:
    title: str
    council: str = ""
    # What an untitled document calls itself ("This Protocol is intended as a guide …": "Protocol"), to name it
    # by where its file name is only a number and a fingerprint ("001_a879d86bb0aeb3d5.txt")
    kind: str = ""

    def __str__(self) -> str:
        """"Ilminster Town Council — Councillor-Officer Protocol", or the title alone without a council."""
        return messages.DOCUMENT_NAME.format(council=self.council, title=self.title) if self.council else self.title


@dataclass(frozen=True)
class Titles:
    """Documents' names by file name, for pages that list many: one not known is named from its file name."""

    known: Mapping[str, Named]

    def __call__(self, source: str) -> str:
        return str(self.known.get(source) or named(Entry(source)))

    def all(self, sources: Iterable[str]) -> str:
        return ", ".join(self(s) for s in sources)


def named(entry: Entry, own: Named = Named("")) -> Named:
    """A document's title and council: the catalogue's, else what it calls itself (`own`, from `from_text`),
    else a readable form of its file name, less the council it shows beside it."""
    council = entry.council or own.council or _council_in_file_name(entry.source)
    title = entry.title or own.title
    if not title:
        number = _file_number(_file_words(entry.source))
        title = (messages.DOCUMENT_KIND_NUMBERED.format(kind=own.kind, number=number) if own.kind and number
                 else _without_council(readable_name(entry.source), council))
    return Named(title, council)


def _council_in_file_name(source: str) -> str:
    """The council a file's name opens with, as councils' websites name their files ("mawnan_pc_standing_orders.pdf":
    "Mawnan Parish Council"; "Elm-Town-Council-Code.pdf": "Elm Town Council"); "" when it names none before the
    title."""
    words = _file_words(source)
    for at, word in enumerate(words[1:_FILE_NAME_PLACE_WORDS + 1], start=1):
        before = words[:at]
        if _TITLE_WORDS.search(" ".join(before)) or any(w.isdigit() for w in before):
            return ""
        if word.lower() in ABBREVIATIONS:
            kind = _SPELLED_OUT.get(word.lower(), word.upper())  # "CC" is a county, city or community council
            return " ".join([*(_place_cased(w) for w in before), kind])
        if word.lower() in KINDS and at + 1 < len(words) and words[at + 1].lower() == "council":
            return " ".join(_place_cased(w) for w in words[: at + 2])
    return ""


def _place_cased(word: str) -> str:
    return word.lower() if word.lower() in _JOINING else word[:1].upper() + word[1:]


def _without_council(title: str, council: str) -> str:
    """A file name's words without the council they open with, when the council is shown anyway:
    "Fenwold TC media policy" under Fenwold Town Council is its "Media policy"."""
    place = re.findall(r"[\w'’]+", council.lower())
    while place and place[-1] in _COUNCIL_WORDS:
        place.pop()
    words = title.split()
    if not place or [w.lower() for w in words[: len(place)]] != place:
        return title
    rest = words[len(place):]
    if rest and rest[0].lower() in ABBREVIATIONS:
        rest = rest[1:]
    elif [w.lower() for w in rest[:2]] in ([kind, "council"] for kind in KINDS):
        rest = rest[2:]
    if not rest:  # the file is named for its council alone
        return messages.DOCUMENT_UNTITLED
    return rest[0][:1].upper() + " ".join(rest)[1:]


def recorded(record: DocumentRecord) -> Named:
    """A served document's name: the catalogue's as it was built, else what the document called itself then."""
    return named(record.catalogue, Named(record.own_title, record.own_council, record.own_kind))


def from_text(text: str) -> Named:
    """The title and council a document states ("" for what it does not state): its opening lines first;
    else, for the council, the one its text names most often."""
    lines = []
    first = ""
    for raw in text.splitlines()[: OPENING_LINES * 4]:
        line = _cased(_plain(_BREADCRUMB.split(raw)[-1]))
        if not line:
            continue
        first = first or line
        if _BODY.match(line) or len(line) > MAX_TITLE_CHARS or line.endswith(".") or _PROSE.search(line):
            break  # the body has begun: a title stands before it
        lines.append(line)
    opening = lines[:OPENING_LINES]
    council = next((_council_in(line) or line for line in opening if _is_council(line)), "")
    council = (council or next((found for line in opening if (found := _council_in(line))), "")
               or _opens_with_council(first) or _most_named(text))
    title = _title(opening, council) or _under_council(opening, council)
    return Named(title, council, "" if title else _kind_named(text))


# How a document refers to itself ("This Protocol is intended …", "the purpose of this policy"), near its top.
_SELF_NAMED = re.compile(r"\bthis (code of conduct|protocol|policy|procedure|strategy|guidance|code|scheme|charter)\b",
                         re.IGNORECASE)
_SELF_NAMED_CHARS = 4000


def _kind_named(text: str) -> str:
    found = _SELF_NAMED.search(text[:_SELF_NAMED_CHARS])
    return found[1][:1].upper() + found[1][1:].lower() if found else ""


def _is_council(line: str) -> bool:
    """A line that is a council's name and nothing else ("Cornwall Council"): not a title naming one ("Code of
    Conduct for Elm Parish Council"), nor a kind of council with no name ("The Parish Council")."""
    if not _COUNCIL.match(line) or _TITLE_WORDS.search(line):
        return False
    # a place name has a word of its own: "About The Council", a web page's heading, names no council
    return any(word.lower() not in _NOT_NAMES and tokens(word) for word in line.split()[:-1])


def _under_council(opening: list[str], council: str) -> str:
    """A title without a title's words ("Gifts & Hospitality"), known by where it stands: the short line right
    under the council's own name."""
    for before, line in zip(opening, opening[1:], strict=False):
        if (before == council and line[:1].isupper() and len(line.split()) <= MAX_PLAIN_TITLE_WORDS
                and not _NOT_TITLES.match(line) and not _COUNCIL.match(line)):
            return line
    return ""


def _title(opening: list[str], council: str) -> str:
    """The first opening line with a title's words, less its place in a larger book and the council's name;
    a title broken over two lines ("Child Protection" / "Policy") is put back together."""
    for at, line in enumerate(opening):
        rest = _PLACE_IN_BOOK.sub("", _LABELLED.sub("", line))
        if council:
            rest = re.sub(rf"(?:\s+(?:of|for)\s+)?(?:the\s+)?{re.escape(council)}(?:\s*[-–—:,]\s*)?", " ", rest,
                          flags=re.IGNORECASE)
            rest = " ".join(rest.split()).strip(" -–—:,")
        if not rest or not rest[0].isupper() or _NOT_TITLES.match(rest) or not _TITLE_WORDS.search(rest):
            continue
        rest = _without_breadcrumb(rest)
        before = opening[at - 1] if at else ""
        if len(rest.split()) == 1 and before and not _TITLE_WORDS.search(before) and not _council_in(before):
            rest = f"{before} {rest}"
        return rest
    return ""


def _without_breadcrumb(title: str) -> str:
    """A web page's section copied in front of its title ("Policy Social Media Policy": the page "Social Media
    Policy" in the section "Policy") is left off: a leading kind of document the title names again."""
    first, _, rest = title.partition(" ")
    kind = first.lower().removesuffix("ies").removesuffix("s")
    if _TITLE_WORDS.fullmatch(first) and rest[:1].isupper() and any(w.lower().startswith(kind) for w in rest.split()):
        return rest
    return title


def _council_in(line: str) -> str:
    """The council a line names, without the words before its name ("Owner New Bradwell Parish Council")."""
    for match in _NAMED_COUNCIL.finditer(line):
        words = match["name"].split()
        last = max((at for at, word in enumerate(words) if word.lower() in _NOT_NAMES), default=-1)
        name = words[last + 1 :]
        while name and name[0].lower() in _JOINING:
            name = name[1:]
        if name:
            return " ".join([*name, match["kind"]])
    return ""


def _opens_with_council(line: str) -> str:
    """The council a document's very first words name, when its text runs on in one line (a page
    pasted without line breaks: "North Fenwold District Council Protocol on … 1. Introduction …")."""
    found = _council_in(line[: MAX_TITLE_CHARS])
    return found if found and line.startswith(found) else ""


def _most_named(text: str) -> str:
    """The council a document names most often, when it names one at least twice and more than any other:
    a code names its own council throughout, and another (the county, the ombudsman's) only in passing."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        for match in _NAMED_COUNCIL.finditer(line):
            if name := _council_in(match[0]):
                counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return ""
    return ranked[0][0]


def _file_number(words: list[str]) -> str:
    """The number a file is named by when its name's words (`_file_words`) are nothing but numbers ("001")."""
    return " ".join(words) if words and all(w.isdigit() for w in words) else ""


def readable_name(source: str) -> str:
    """A file name as words: "nettlecombe-member-officer-protocol.txt" -> "Nettlecombe member officer protocol",
    "h05_fenwold_tc_media_policy.txt" -> "Fenwold TC media policy"; one of nothing but numbers and a
    fingerprint ("001_a879d86bb0aeb3d5.txt") -> "Document 001"."""
    words = _file_words(source)
    if not words:
        return messages.DOCUMENT_UNTITLED
    if number := _file_number(words):
        return messages.DOCUMENT_NUMBERED.format(number=number)
    joined = " ".join(w.upper() if w.lower() in ABBREVIATIONS else w for w in words)
    return joined[0].upper() + joined[1:]


def _file_words(source: str) -> list[str]:
    """A file name's words, without a fingerprint or the item number that files it in a folder."""
    words = [w for w in re.split(r"[\s_.\-]+", Path(source).stem) if w and not _HASH.match(w)]
    while len(words) > 1 and _ITEM_CODE.match(words[0]) and not all(w.isdigit() for w in words[1:]):
        words = words[1:]
    return words


def _plain(line: str) -> str:
    return " ".join(_MARKUP.sub(" ", line).split())


def _cased(line: str) -> str:
    """A line written in capitals, as a title is written: "CODE OF CONDUCT" -> "Code of Conduct"."""
    if not line.isupper():
        return line
    words = line.title().split(" ")
    return " ".join(w.lower() if i and w.lower() in TITLE_SMALL_WORDS else w for i, w in enumerate(words))
