"""From body lines to paragraphs: headings recognised, hard-wrapped lines rejoined.

Heading rules (a heading never becomes clause text; it names the clauses below it):
- markdown `#` headings, ranked by the number of `#`; a number after the `#` is the
  section's, as in a numbered title;
- numbered titles ("2.  Roles of councillors and officers", "10.1 Leader & Chief
  Executive"): short, capitalised, no final punctuation, and followed by one of their own
  sub-clauses or by body text rather than by a sibling clause or a list; ranked by depth;
- ALL-CAPS lines (rank 1);
- short bold lines and short capitalised lines without final punctuation (a colon is
  allowed) that follow a finished sentence and are followed by body text (rank 2);
- the title lines a document opens with, before its first sentence ("Parish Council Standing
  Orders", "COUNCILLOR/EMPLOYEE PROTOCOL"), whatever follows them: a title over a list is not
  the list's lead-in (rank 1 in capitals, else 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.parse_lines import TITLE_SMALL_WORDS, Line, continues, ends_open, is_all_caps, table_cells, title_like
from knowledge.parse_text import Run, is_terminated, join


@dataclass(frozen=True)
class Para:
    line: Line  # first line; its markers say what the paragraph is
    run: Run  # whole paragraph, markers included, wrapped lines rejoined
    body: Run  # paragraph text after the first line's own markers
    rank: int = 0  # heading rank, 0 for body text

    @property
    def title(self) -> str:
        return " ".join((self.line.item_run if self.line.number or self.line.letter else self.body).text.split())


def paragraphs(lines: list[Line]) -> list[Para]:
    opening = _opening_titles(lines)
    ranks = [opening.get(i) or _heading_rank(lines, i) for i in range(len(lines))]
    paras: list[Para] = []
    group: list[Line] = []
    blank_before = False
    for line, rank in zip(lines, ranks, strict=True):
        if line.blank:
            blank_before = True
            continue
        if rank:
            paras += [*_close(group), Para(line, line.run, line.body, rank)]
            group = []
        elif group and continues(group[-1], line, blank_before):
            group.append(line)
        else:
            paras += _close(group)
            group = [line]
        blank_before = False
    return paras + _close(group)


def _close(group: list[Line]) -> list[Para]:
    if not group:
        return []
    first = group[0]
    if first.table:
        row = _table_row(first)
        return [Para(first, row, row)] if row else []
    rest = [line.body if line.bullet else line.run for line in group[1:]]
    separators = [_separator(prev, line) for prev, line in zip(group, group[1:], strict=False)]
    run = join([first.item_run, *rest], separators)
    body = join([first.body, *rest], separators)
    return [Para(first, run, body)]


def _separator(prev: Line, line: Line) -> str:
    """A space where a long line was wrapped, or one left inside brackets; short lines (a list of papers)
    keep their break."""
    text = prev.run.text
    if line.body.text[:1].islower() or ends_open(text) or len(prev.run) >= 70 or text.count("(") > text.count(")"):
        return " "
    return "\n"


def _table_row(line: Line) -> Run | None:
    """A table row as its cells joined with " | " (the |---| rule gives None)."""
    if not table_cells(line):
        return None
    cells: list[Run] = []
    pos = 0
    for part in line.run.text.split("|"):
        cell = line.run.cut(pos, pos + len(part)).strip()
        if cell.text:
            cells.append(cell)
        pos += len(part) + 1
    return join(cells, [" | "] * (len(cells) - 1))


def _opening_titles(lines: list[Line]) -> dict[int, int]:
    """The heading ranks of the unnumbered title lines before a document's first sentence or item."""
    ranks: dict[int, int] = {}
    for i, line in enumerate(lines):
        if line.blank:
            continue
        text = line.body.text
        if line.marked or line.md_level or not title_like(text, 80) or text.endswith(_LEAD_IN_ENDINGS):
            break
        if is_all_caps(text):
            ranks[i] = 1
        elif all(word[:1].isupper() for word in text.split()
                 if word.lower() not in TITLE_SMALL_WORDS and word[:1].isalpha()):  # "Gifts & Hospitality", "Roles – Clerk"
            ranks[i] = 2
        else:
            break
    return ranks


def _next(lines: list[Line], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(lines) and lines[j].blank:
        j += step
    return j if 0 <= j < len(lines) else None


def _heading_rank(lines: list[Line], i: int) -> int:
    line = lines[i]
    if line.md_level:
        return line.md_level
    if line.blank or line.table:
        return 0
    j = _next(lines, i, 1)
    if j is None:
        return 0
    following, gap = lines[j], j > i + 1
    if line.letter:
        return _LETTERED_RANK if _lettered_heading(line, following) else 0
    if line.number:
        return _numbered_rank(line, following, gap)
    k = _next(lines, i, -1)
    if line.bullet:
        return 2 if _bullet_heading(line, following, gap, None if k is None else lines[k], k != i - 1) else 0
    text = line.body.text
    if k == i - 1 and not is_terminated(lines[k].run.text) and not _asks_after_list(lines[k], text):
        return 0  # the line is the tail of a wrapped sentence
    if is_all_caps(text) and len(text) <= 120:
        return 1
    if (following.marked and not following.number) or _wraps_into(following):
        return 0  # it introduces a list, or it is a sentence broken across lines
    if line.bold and len(text) <= 80 and text[-1] not in ".;,!?":
        return 2
    if title_like(text, 60) and (following.number or _starts_upper(following.body.text)):
        return 2
    return 0


_LETTERED_RANK = 3  # "(a) General principles" over its items "(1)", "(2)"


def _asks_after_list(previous: Line, text: str) -> bool:
    """"What does the Clerk do?" straight after a list's last item, which has no full stop: the next question
    of a questions-and-answers page, not the item's wrapped tail."""
    return (bool(previous.bullet) and not ends_open(previous.run.text) and _starts_upper(text)
            and title_like(text, 80) and text.endswith("?"))


def _starts_upper(text: str) -> bool:
    """A capital first letter, after any opening quote or bracket ('"Member" means ...')."""
    return text.lstrip("\"'“‘([")[:1].isupper()


def _lettered_heading(line: Line, following: Line) -> bool:
    """"(a) General principles" followed by its numbered items "(1) ...": a lettered section."""
    return (
        title_like(line.body.text, 60)
        and following.letter is not None
        and following.letter.isdigit()
        and not line.body.text.endswith(_LEAD_IN_ENDINGS)
    )


def _bullet_heading(line: Line, following: Line, gap: bool, previous: Line | None, gap_before: bool) -> bool:
    """"- Roles of councillors" set apart by blank lines above prose: a heading written as a bullet.

    A bullet in a list has a sentence ending in ":" above it, or other items beside it.
    """
    if line.number or line.letter or not (gap and gap_before or previous is None):
        return False
    if previous is not None and (previous.bullet or previous.run.text.rstrip().endswith(":")):
        return False
    return title_like(line.body.text, 60) and not following.marked and _starts_upper(following.body.text)


# How a line that introduces a list ends: "Officers must:", and in legislation's style "You must not—".
# Such a line is the list's lead-in, never a heading: its items read as its sentence's ending.
_LEAD_IN_ENDINGS = (":", "—", "–", "-")


# A numbered line this long that runs straight on into plain text is a wrapped sentence ("6.4 Mediation should
# take place within twenty working days of the Resolution" / "Adviser's appointment."), not a title.
_WRAPPED_HEADING_CHARS = 60


def _numbered_rank(line: Line, following: Line, gap: bool) -> int:
    assert line.number is not None
    text = line.body.text
    if not title_like(text, 80) or text.endswith(_LEAD_IN_ENDINGS):
        return 0
    depth = line.number.count(".") + 1
    if following.number:
        # Its own first sub-clause; the same number again where automatic numbering was lost in
        # copying and every paragraph reads "1."; or its paragraphs numbered afresh ("2. AIMS", "1. Our ...").
        own = following.number.startswith(line.number + ".")
        repeated = following.number in (line.number, "1") and not title_like(following.body.text, 80)
        return depth if own or repeated else 0
    if following.bullet and not following.letter and not gap and not line.bullet:
        # "2.1 Councillors have 4 main areas of responsibility" + bullets; when both lines
        # carry the same dash, the dash is just how the converter wrote paragraphs.
        return 0
    if not gap and not following.marked and len(text) >= _WRAPPED_HEADING_CHARS:
        return 0
    return 0 if _wraps_into(following) else depth


def _wraps_into(following: Line) -> bool:
    """The next line carries on a sentence, so this line is not a heading."""
    return not following.marked and not following.md_level and following.body.text[:1].islower()
