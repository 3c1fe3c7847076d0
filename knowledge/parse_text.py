"""Text that remembers where each character came from in the source document.

Cleaning (dropping markdown emphasis, rejoining wrapped lines) changes the text, but
a clause must still point at its span in the original file, so every character
carries its source offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Inline markup seen in converted documents: markdown bold and stray HTML emphasis tags.
_MARKUP = re.compile(r"\*\*|</?(?:u|b|i|em|strong)>", re.IGNORECASE)
# A sentence ends at . ! ? ; followed by space and something that can start a sentence,
# which keeps "e.g. a committee" and "i.e. in connection" in one piece.
_LINK = re.compile(r"\[([^\[\]]+)\]\([^()\s]*\)")
_SENTENCE_END = re.compile(r"([.!?;][\"'”’)]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_TERMINAL = re.compile(r"[.!?;:][\"'”’)\]]*$")


@dataclass(frozen=True)
class Run:
    text: str
    offsets: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        return self.offsets[-1] + 1

    def __len__(self) -> int:
        return len(self.text)

    def cut(self, begin: int, stop: int | None = None) -> Run:
        return Run(self.text[begin:stop], self.offsets[begin:stop])

    def strip(self) -> Run:
        left = len(self.text) - len(self.text.lstrip())
        right = len(self.text.rstrip())
        return self.cut(left, max(left, right))


def join(runs: list[Run], separators: list[str]) -> Run:
    """Concatenate runs; separator characters borrow the offset of the text before them.

    Empty runs (a clause number alone on its line has no text) are skipped with their separator.
    """
    text = ""
    offsets: list[int] = []
    for run, sep in zip(runs, ["", *separators], strict=True):
        if not run.text:
            continue
        if offsets:
            text += sep
            offsets += [offsets[-1]] * len(sep)
        text += run.text
        offsets += run.offsets
    return Run(text, tuple(offsets))


def clean_line(raw: str, start: int) -> Run:
    """One source line without markup, tabs or surrounding whitespace; a markdown link keeps its text."""
    chars: list[str] = []
    offsets: list[int] = []
    pos = 0
    for begin, end in _markup_spans(raw):
        chars += raw[pos:begin]
        offsets += range(start + pos, start + begin)
        pos = end
    chars += raw[pos:]
    offsets += range(start + pos, start + len(raw))
    text = "".join(chars).replace("\t", " ").replace("\u00a0", " ")
    return Run(text, tuple(offsets)).strip()


def _markup_spans(raw: str) -> list[tuple[int, int]]:
    """What cleaning drops: emphasis markers, and the brackets and address of "[text](address)"."""
    spans = [(m.start(), m.end()) for m in _MARKUP.finditer(raw)]
    for link in _LINK.finditer(raw):
        spans += [(link.start(), link.start() + 1), (link.end(1), link.end())]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def is_terminated(text: str) -> bool:
    """Whether a line ends a sentence or introduces something (so it cannot be wrapped)."""
    return bool(_TERMINAL.search(text.rstrip()))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences in text (separating whitespace excluded)."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((begin, match.end(1)))
        begin = match.end()
    spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if b > a]


# Words that make a line a statement rather than a title: protocol sentences nearly always have one.
_VERBS = frozenset(
    """is are was were be been being has have had must should shall will would may might can cannot
    could do does did need needs means mean include includes apply applies expect expects""".split()
)
_WORDS = re.compile(r"[A-Za-z][A-Za-z’'-]*")
_EPIGRAPH = re.compile(r"[\"“‘'].*[\"”’'](?:\s*\[\d{1,2}\])?")


def citable(text: str) -> bool:
    """Whether text holds something a reader would quote as a rule or statement.

    Titles, headings, contents entries and reference lists ("Code of Conduct for Members
    (adopted 31 July 2012)") are short and never finish a sentence; an opening quotation is
    an epigraph, not a rule. Such text names clauses (headings) but is never one.
    """
    if _EPIGRAPH.fullmatch(text.strip()):
        return False
    return any(_is_statement(line) for line in text.splitlines())


def _is_statement(line: str) -> bool:
    """A finished sentence, a lead-in ("Officers must:"), a table row, or a list item
    ("- not seek to use their position to ...") that reads as running text: a verb, or mostly
    lower-case words where a title capitalises them."""
    words = _WORDS.findall(line)
    verb = any(word in _VERBS for word in words)  # lower case only: "May 2019" is a date
    end = line.rstrip("[]0123456789 \"'”’)")
    if " | " in line or (len(words) >= 2 and end.endswith((".", "!", "?", ";"))):
        return True
    if end.endswith(":"):
        return verb
    if len(words) >= 6 and verb:
        return True
    return len(words) >= 8 and sum(word[0].islower() for word in words) >= 0.6 * len(words)
