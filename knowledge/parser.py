"""Turn a protocol document into the clauses a reader would cite.

`parse(doc_id, text)` works on plain text from any source (web page, PDF, Word),
relying only on textual cues: numbering, headings, blank lines, bullets.

What becomes a clause:
- A numbered paragraph ("2.6", "- 1.1", "**10.4.1**", "12.2.") is a clause whose ref is
  the number as printed, without a trailing dot. Everything up to the next number or
  heading belongs to it: continuation paragraphs, bullets and lettered sub-items.
- Sub-items ("(a)", "a)", "iii.", and "1."/"2." lists under a lead-in such as
  "Officers must:") stay inside the clause that introduces them, markers kept in the
  text, so "2.2" is cited with its whole list. Sub-items that nothing introduces but a
  numbered heading are clauses of their own, cited as section plus item: "13(b)",
  "4.2(a)"; under an unnumbered heading the printed marker alone is the ref: "(b)".
- Text directly under a numbered heading ("2.2 Councillors" followed by paragraphs)
  takes the heading's number as ref, and like a numbered clause runs to the next number
  or heading. Under an unnumbered heading each paragraph (with the list it introduces)
  is a clause of its own with ref None.
- A clause over MAX_CLAUSE_CHARS is cut between paragraphs or list items, else between
  sentences; every part keeps the ref and heading path, and a part that starts inside a
  list repeats the list's lead-in (`Clause.lead_in`).
- The clause's own number or item marker is left out of `text` (it is the ref); bullets
  and the markers of sub-items are kept. Headings appear only in `heading_path`.

A bare "N." line is a sub-item rather than a clause when a list is open and it does
not continue the document's own numbering, e.g. "3.5 Officers must: ... 2. work in
partnership ... 12. Officers have the right ..." are items of 3.5, while "4." after the
bullets of clause "3." is clause 4.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from knowledge.clause import MAX_CLAUSE_CHARS, Clause
from knowledge.parse_body import body_lines
from knowledge.parse_lines import Line, major, read_lines
from knowledge.parse_paragraphs import Para, paragraphs
from knowledge.parse_split import Draft, Unit, clauses
from knowledge.parse_text import Run, citable, sentence_spans

_LOST_NUMBERING_REPEATS = 3
_LOST_OVER_NEXT = 3  # "1." this many times as often as "2.": the numbering was lost
# A lead-in longer than this is shortened to its last sentence before it is repeated.
_MAX_LEAD_IN = MAX_CLAUSE_CHARS // 3


def parse(doc_id: str, text: str) -> list[Clause]:
    lines = body_lines(read_lines(text))
    builder = _Builder(lost_numbers=_lost_numbers(lines))
    for para in paragraphs(lines):
        builder.add(para)
    return [clause for draft in builder.finish() for clause in clauses(doc_id, draft) if citable(clause.text)]


def _lost_numbers(lines: list[Line]) -> frozenset[str]:
    """Numbers that do not number anything: where automatic numbering was lost in copying,
    every paragraph (and perhaps every heading) reads "1.", far more often than any "2.". Citing
    them would send a reader to the wrong paragraph, so such clauses are cited by their heading alone."""
    top = Counter(line.number for line in lines if line.number and "." not in line.number)
    # Lists that restart at "1." are followed by as many "2."s; numbered headings over lost paragraph
    # numbers ("2. AIMS", then "1." on every paragraph) by a few.
    lost = top["1"] >= _LOST_NUMBERING_REPEATS and top["1"] > _LOST_OVER_NEXT * top["2"]
    return frozenset({"1"}) if lost else frozenset()


def body_text(text: str) -> str:
    """The lines that count as the protocol: no cover report, title block or contents."""
    return "\n".join(line.run.text for line in body_lines(read_lines(text)))


@dataclass
class _Builder:
    lost_numbers: frozenset[str] = frozenset()
    drafts: list[Draft] = field(default_factory=list)
    headings: list[tuple[int, str, str | None]] = field(default_factory=list)  # rank, title, number
    current: Draft | None = None
    # A clause made of one sub-item ("13(b)"): a new sub-item starts a new clause.
    current_is_item: bool = False
    top: int | None = None  # first part of the latest clause or heading number
    last_list_number: int | None = None

    def finish(self) -> list[Draft]:
        self._close()
        # A number with no text under it (before the next number or heading) cites nothing.
        return [draft for draft in self.drafts if any(unit.run.text for unit in draft.units)]

    def add(self, para: Para) -> None:
        line = para.line
        if para.rank:
            self._heading(para)
        elif line.number in self.lost_numbers:  # a paragraph of its own, under the headings above it
            self._open(Draft(None, self._path(), _units(para.body), para.line.run.start))
        elif line.number and not self._is_list_number(line.number) and not self._sub_item(para):
            self._leave_other_sections(line.number)
            self._open(Draft(line.number, self._path(), _units(para.body), para.line.run.start))
            self.top = major(line.number)
        elif line.letter and (self.current is None or self.current_is_item):
            section = self._section_number() or ""
            ref = f"{section}({line.letter})"
            self._open(Draft(ref, self._path(), _units(para.body), para.line.run.start))
            self.current_is_item = True
        elif line.marked:
            if line.number and "." not in line.number:
                self.last_list_number = int(line.number)
            self._add_item(para)
        elif self.current is None or self.current.ref is None:
            self._open(Draft(self._section_number(), self._path(), [Unit(para.run)]))
        else:
            self._add_paragraph(para.run)

    def _heading(self, para: Para) -> None:
        self._close()
        while self.headings and self.headings[-1][0] >= para.rank:
            self.headings.pop()
        number = para.line.number
        if number in self.lost_numbers:
            number = None
        elif para.line.letter:
            number = f"({para.line.letter})"  # "(a) General principles" numbers its items "(a)(1)"
        self.headings.append((para.rank, para.title, number))
        if number and para.line.number:
            self.top = major(para.line.number)

    def _leave_other_sections(self, number: str) -> None:
        """A clause numbered outside the section of the numbered headings above it ("6" after the heading
        "5. You must not—") is not under them: read under them, a duty would be cited as a ban."""
        while self.headings and (section := self.headings[-1][2]) and section[0].isdigit() \
                and number != section and not number.startswith(section + "."):
            self.headings.pop()

    def _path(self) -> tuple[str, ...]:
        return tuple(title for _, title, _ in self.headings)

    def _section_number(self) -> str | None:
        """Only the innermost heading lends its number: text under "Background Papers"
        inside section 4 is not clause 4."""
        return self.headings[-1][2] if self.headings else None

    def _open(self, draft: Draft) -> None:
        self._close()
        self.current = draft

    def _close(self) -> None:
        if self.current is not None:
            self.drafts.append(self.current)
        self.current = None
        self.current_is_item = False
        self.last_list_number = None

    def _list_open(self) -> bool:
        if self.current is None or not self.current.units:
            return False
        last = self.current.units[-1]
        return last.item or last.run.text.rstrip().endswith((":", ";"))

    def _sub_item(self, para: Para) -> bool:
        """"4.4 Where consent is relied on:" then "4.4.1 it must be given …": numbered sub-items that finish
        their parent's sentence are items of its list, so each is quoted with the words that govern it."""
        number, current = para.line.number, self.current
        return (number is not None and current is not None and current.ref is not None
                and number.startswith(current.ref + ".") and self._list_open() and para.body.text[:1].islower())

    def _is_list_number(self, number: str) -> bool:
        if "." in number or not self._list_open():
            return False
        value = int(number)
        expected = 1 if self.last_list_number is None else self.last_list_number + 1
        if value == expected:
            return True
        return self.top is None or value != self.top + 1

    def _add_item(self, para: Para) -> None:
        if self.current is None:
            # Nothing introduces it, so its marker is the clause's own, like a number.
            self._open(Draft(self._section_number(), self._path(), _units(para.body), para.line.run.start))
            return
        units = self.current.units
        lead_in: Run | None = None
        if units:
            lead_in = units[-1].lead_in if units[-1].item else _lead_in(units[-1].run)
        units.append(Unit(para.run, item=True, lead_in=lead_in))

    def _add_paragraph(self, run: Run) -> None:
        assert self.current is not None
        units = self.current.units
        # Text between items that introduces nothing new is part of the list, so a
        # split keeps it with its items.
        if units and units[-1].item and not run.text.rstrip().endswith(":"):
            units.append(Unit(run, item=True, lead_in=units[-1].lead_in))
        else:
            units.append(Unit(run))


def _units(run: Run) -> list[Unit]:
    return [Unit(run)] if run.text else []


def _lead_in(run: Run) -> Run | None:
    """What a list part repeats: the paragraph before the list if it announces one
    ("Officers must:", or no closing full stop), shortened to its last sentence if long."""
    if run.text.rstrip().rstrip("\"'”’)]").endswith((".", "!", "?")):
        return None
    if len(run) <= _MAX_LEAD_IN:
        return run
    first, last = sentence_spans(run.text)[-1]
    return run.cut(first, last)
