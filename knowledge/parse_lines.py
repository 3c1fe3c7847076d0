"""Source lines and what their leading markers say: heading, clause number, list item.

Documents arrive as plain text converted from PDF, Word or web pages, so the same
structure shows up in many spellings ("- 1.1", "**10.1.1**", "2.\tRoles", "(a)", "a)",
" - iii."); this module reduces each line to its markers and its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.parse_text import Run, clean_line, is_terminated

_MD_HEADING = re.compile(r"#{1,6}(?=\s)")
_BULLET = re.compile(r"[-•·▪◦\uf0b7*](?=\s)")
# Clause numbers have at most three digits per part, so a wrapped line that starts
# with a year ("2000 ...") is not mistaken for clause 2000.
# An appendix may prefix its letter: "A1.2".
# "10.Gifts and hospitality": a PDF sometimes loses the space after the number's dot.
_NUMBER = re.compile(r"((?:[A-Z]\d{1,2}\.)?\d{1,3}(?:\.\d{1,3})*)(?:\.?(?=\s|$)|\.(?=[A-Z][a-z]))")
# Item markers: "(a)", "(iv)", "(B)", "a.", "iv)", "B)", and "(1)", which is an item, not a clause number.
_LETTER = re.compile(
    r"\(([a-z]{1,4}|[A-Z]|\d{1,2})\)(?=\s)|([a-z]|[ivx]{1,4})[.)](?=\s)|([A-Z])\)(?=\s)"
)
_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}")
# Words a heading never ends on but a wrapped line often does.
_OPEN_ENDINGS = frozenset(
    "a an and as at by for from in into of on or that the their to which who with "
    "whose than be is are was were".split()
)


@dataclass(frozen=True)
class Line:
    run: Run  # whole cleaned line
    body: Run  # text after the line's own markers
    md_level: int = 0
    bullet: str | None = None
    number: str | None = None
    letter: str | None = None
    table: bool = False
    bold: bool = False  # the whole source line was one **bold** span

    @property
    def blank(self) -> bool:
        return not self.run.text

    @property
    def marked(self) -> bool:
        return bool(self.bullet or self.number or self.letter or self.table)

    @property
    def item_run(self) -> Run:
        """The line as a list item: a dash in front of a number or letter, or the `#` of a
        numbered heading, is markdown noise."""
        if self.bullet and (self.number or self.letter):
            return self.run.cut(1).strip()
        if self.md_level:
            return self.run.cut(self.md_level).strip()
        return self.run


# A clause number inside a line, where a PDF pasted as one block runs paragraphs together:
# "... as follows. 1.2 Officers are ...". Only a number followed by a capital can start one.
_INLINE_NUMBER = re.compile(r"(?<=\s)(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(?=[A-Z\"“‘(])")
_RUN_TOGETHER_MIN_CHARS = 200


# Legislation's numbering, as the model codes of conduct are printed: "6.—(1) You must—" is paragraph 6
# and its first sub-paragraph, as if "6." stood on a line of its own above "(1) You must—".
_STATUTORY_NUMBER = re.compile(r"\s*\d{1,3}\.\s*[—–-]\s*(?=\(\d{1,2}\)\s)")


def read_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n")
        for offset, segment in _segments(content):
            if statutory := _STATUTORY_NUMBER.match(segment):
                number = segment[: statutory.end()].rstrip().rstrip("—–-").rstrip()
                lines.append(_read_line(number, pos + offset))
                offset, segment = offset + statutory.end(), segment[statutory.end() :]
            lines.append(_read_line(segment, pos + offset))
        pos += len(raw)
    return lines


def _segments(content: str) -> list[tuple[int, str]]:
    """A line cut before each clause number it runs together, or the line itself.

    A number counts only when it continues the numbering of the numbers before it in the
    line (1.1, 1.2, 2, 2.1 ...), so "section 5 of the Act" or "Page 3 Officers" never cut a
    sentence, and only lines far longer than any paragraph's first line are looked at.
    """
    if len(content) < _RUN_TOGETHER_MIN_CHARS:
        return [(0, content)]
    cuts: list[int] = []
    previous: tuple[int, ...] | None = _leading_number(content)
    for match in _INLINE_NUMBER.finditer(content):
        number = tuple(int(part) for part in match.group(1).split("."))
        if previous is None or not follows(previous, number):
            continue
        cuts.append(match.start())
        previous = number
    if len(cuts) < 2:
        return [(0, content)]
    bounds = [0, *cuts, len(content)]
    return [(a, content[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if content[a:b].strip()]


def _leading_number(content: str) -> tuple[int, ...]:
    match = _NUMBER.match(content.strip())
    if not match or not match.group(1)[0].isdigit():
        return ()
    return tuple(int(part) for part in match.group(1).split("."))


def major(number: str) -> int | None:
    """The first part of a clause number ("12" of "12.4"); None for an appendix's "A1.2"."""
    first = number.split(".")[0]
    return int(first) if first.isdigit() else None


def follows(previous: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """Whether `number` can come next after `previous` in a document's own numbering:
    its first child (1 → 1.1), its next sibling (1.1 → 1.2), or the next sibling of one of
    its parents (1.2.3 → 1.3, 2 or 2.1). The empty tuple is the start of a document."""
    if not previous:
        return number in {(1,), (1, 1)}
    if number == (*previous, 1):
        return True
    for depth in range(len(previous), 0, -1):
        sibling = (*previous[: depth - 1], previous[depth - 1] + 1)
        if number == sibling or number == (*sibling, 1):
            return True
    return False


def _read_line(raw: str, start: int) -> Line:
    run = clean_line(raw, start)
    stripped = raw.strip()
    bold = len(stripped) > 4 and stripped.startswith("**") and stripped.endswith("**")
    if not run.text:
        return Line(run, run)
    if run.text.startswith("|"):
        return Line(run, run, table=True)
    if heading := _MD_HEADING.match(run.text):
        rest = run.cut(heading.end()).strip()
        level = len(heading.group())
        # "## 2.2 Councillors" (how Word headings arrive) numbers its section like "2.2 Councillors".
        if number := _NUMBER.match(rest.text):
            return Line(run, rest.cut(number.end()).strip(), md_level=level, number=number.group(1))
        return Line(run, rest, md_level=level)
    rest = run
    bullet = None
    if mark := _BULLET.match(rest.text):
        bullet = mark.group()
        rest = rest.cut(mark.end()).strip()
    if mark := _NUMBER.match(rest.text):
        return Line(run, rest.cut(mark.end()).strip(), bullet=bullet, number=mark.group(1), bold=bold)
    if mark := _LETTER.match(rest.text):
        letter = next(group for group in mark.groups() if group)
        return Line(run, rest.cut(mark.end()).strip(), bullet=bullet, letter=letter, bold=bold)
    return Line(run, rest, bullet=bullet, bold=bold)


def table_cells(line: Line) -> list[str] | None:
    """Cell texts of a markdown table row, or None for the |---| rule under the header."""
    if _TABLE_RULE.match(line.run.text):
        return None
    return [cell.strip() for cell in line.run.text.strip("|").split("|") if cell.strip()]


def ends_open(text: str) -> bool:
    """A line that stops mid-phrase ("... the Code of Conduct for")."""
    words = text.split()
    return bool(words) and words[-1].lower() in _OPEN_ENDINGS


def continues(prev: Line, line: Line, blank_between: bool) -> bool:
    """Whether `line` carries on the paragraph that `prev` ends (a hard-wrapped line).

    PDF extraction breaks lines mid-sentence and sometimes inserts a blank line or a
    stray list dash at a page break; a line that starts in lower case, or follows a
    line ending on "of"/"the"/..., is still the same sentence.
    """
    if prev.blank or prev.table or line.blank or line.table or line.md_level or is_terminated(prev.run.text):
        return False
    if (line.number or line.letter) and not _number_in_sentence(line, blank_between):
        return False
    starts_lower = line.body.text[:1].islower()
    if line.bullet:
        return blank_between and starts_lower
    return not blank_between or starts_lower or ends_open(prev.run.text)


def _number_in_sentence(line: Line, blank_between: bool) -> bool:
    """"… not later than" / "10 days after the meeting": a wrapped line that starts with a bare number,
    no dot after it, and goes on in lower case is the sentence going on, not clause 10."""
    number = line.number
    return (not blank_between and number is not None and "." not in number
            and line.run.text.startswith(number + " ") and line.body.text[:1].islower())


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and not any(c.islower() for c in letters) and not text.endswith(".")


# Short words a title leaves in lower case ("Code of Conduct for Members").
TITLE_SMALL_WORDS = frozenset("a an and as at by for in of on or the to with".split())


# A heading may end in its initials or its year, in brackets: "Special Responsibility Allowance (SRA)",
# "Code of Conduct (2021)". Another line ending in a bracket is a sentence's or an item's tail, or a name
# and a role ("A. Smith (County Solicitor)").
_NAMED_IN_BRACKETS = re.compile(r"\w \((?:[A-Z]{2,6}s?|\d{4})\)$")


def title_like(text: str, max_chars: int) -> bool:
    """Short, capitalised, and not a sentence: could be a heading."""
    if not 0 < len(text) <= max_chars or not text[0].isupper():
        return False
    if text[-1] in ".;,!" or (text[-1] == ")" and not _NAMED_IN_BRACKETS.search(text)) or ". " in text \
            or len(text.split()) > 12:
        return False
    return not ends_open(text.rstrip(":"))
