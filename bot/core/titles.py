"""What a document is called where people read it: its title and council, never its file name.

Drawn from the catalogue first (what an admin recorded), else from the document's own first lines
(most protocols open with the council's name and their own title), else from a readable form of the
file name. Shared by the console and, through the manifest's catalogue, by chat answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.core.manifest import DocumentRecord
from knowledge.catalogue import Entry

OPENING_LINES = 10  # a title and council stand before the first clause, within the first few lines
MAX_TITLE_CHARS = 90
_MARKUP = re.compile(r"[#*_`>|]+")
_COUNCIL = re.compile(r"^(?:the\s+)?[\w'’.\- ]{2,60}\b(?:council)$", re.IGNORECASE)
_TITLE_WORDS = re.compile(r"\b(protocol|code|policy|guidance|guide|relations|conduct)\b", re.IGNORECASE)
_NOT_TITLES = re.compile(r"^(adopted|review|reviewed|date|report to|contents|version|page|appendix)\b", re.IGNORECASE)
_LABELLED = re.compile(r"^(?:heading/)?title\s*:\s*", re.IGNORECASE)
_BODY = re.compile(r"^\d+\.\d+")  # the first numbered clause
_HASH = re.compile(r"^(?=.*[a-f])(?=.*\d)[0-9a-f]{8,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Named:
    title: str
    council: str = ""

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
    else a readable form of its file name."""
    return Named(entry.title or own.title or readable_name(entry.source), entry.council or own.council)


def recorded(record: DocumentRecord) -> Named:
    """A served document's name: the catalogue's as it was built, else what the document called itself then."""
    return named(record.catalogue, Named(record.own_title, record.own_council))


def from_text(text: str) -> Named:
    """The title and council a document states in its opening lines ("" for what it does not state)."""
    lines = []
    for raw in text.splitlines()[: OPENING_LINES * 4]:
        line = _plain(raw)
        if not line:
            continue
        if _BODY.match(line) or len(line) > MAX_TITLE_CHARS or line.endswith("."):
            break  # the body has begun: a title stands before it
        lines.append(line)
    council = next((_cased(line) for line in lines[:OPENING_LINES] if _COUNCIL.match(line)), "")
    title = next((_cased(rest) for line in lines[:OPENING_LINES] if (rest := _LABELLED.sub("", line))
                  and _TITLE_WORDS.search(rest) and rest[0].isupper() and not _NOT_TITLES.match(rest)
                  and _cased(rest) != council), "")
    return Named(title, council)


def readable_name(source: str) -> str:
    """A file name as words: "nettlecombe-member-officer-protocol.txt" -> "Nettlecombe member officer protocol";
    one of nothing but numbers and a fingerprint ("001_a879d86bb0aeb3d5.txt") -> "Document 001"."""
    words = [w for w in re.split(r"[\s_.\-]+", Path(source).stem) if w and not _HASH.match(w)]
    if not words:
        return messages.DOCUMENT_UNTITLED
    if all(w.isdigit() for w in words):
        return messages.DOCUMENT_NUMBERED.format(number=" ".join(words))
    joined = " ".join(words)
    return joined[0].upper() + joined[1:]


def _plain(line: str) -> str:
    return " ".join(_MARKUP.sub(" ", line).split())


def _cased(line: str) -> str:
    """A line written in capitals, as a title is written: "ILMINSTER TOWN COUNCIL" -> "Ilminster Town Council"."""
    return line.title() if line.isupper() else line
