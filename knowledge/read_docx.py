"""Word (.docx) documents as the plain text the clause parser reads.

- Heading styles become markdown headings ("## 2.2 Councillors" for Heading 2), so the
  parser ranks them as the author did rather than guessing from the wording.
- Word's automatic numbering is not part of a paragraph's text, so it is worked out
  from the numbering definitions (`w:numPr`) and written in front, as a reader sees it.
- Table rows become "| cell | cell |" lines, which the parser reads as table rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

from knowledge.problems import KnowledgeProblem, Problem

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

_HEADING_STYLE = re.compile(r"heading (\d)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"%(\d)")
_ROMAN = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)


def read_docx(name: str, data: bytes) -> str:
    import docx  # imported here so plain-text-only installs never load it

    try:
        document = docx.Document(BytesIO(data))
    # A damaged file fails in zipfile, lxml or python-docx with many exception types;
    # each means the same thing to the person who supplied it.
    except Exception as exc:  # noqa: BLE001
        detail = str(exc) or type(exc).__name__
        raise KnowledgeProblem(Problem.NOT_A_WORD_DOCUMENT, name, detail) from exc
    return _text(document)


def _text(document: Document) -> str:
    from docx.table import Table

    numbering = _Numbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines += _table_rows(block)
        else:
            lines.append(_paragraph_line(block, numbering))
    return "\n".join(lines)


def _paragraph_line(paragraph: Paragraph, numbering: _Numbering) -> str:
    text = paragraph.text
    number = numbering.label(paragraph)
    if number:
        text = f"{number} {text}"
    level = _heading_level(paragraph)
    return f"{'#' * level} {text}" if level and text.strip() else text


def _heading_level(paragraph: Paragraph) -> int:
    style = paragraph.style
    while style is not None:
        if style.name == "Title":
            return 1
        if match := _HEADING_STYLE.fullmatch(style.name or ""):
            return int(match.group(1))
        style = style.base_style
    return 0


def _table_rows(table: Table) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows


@dataclass
class _Numbering:
    """Counters for Word's automatic list numbering, advanced paragraph by paragraph."""

    document: Document
    counters: dict[str, list[int]] = field(default_factory=dict)
    definitions: dict[str, dict[int, tuple[str, str, int]]] = field(default_factory=dict)

    def label(self, paragraph: Paragraph) -> str | None:
        found = _num_pr(paragraph)
        if found is None:
            return None
        num_id, ilvl = found
        if num_id not in self.definitions:
            self.definitions[num_id] = self._levels(num_id)
        levels = self.definitions[num_id]
        if ilvl not in levels:
            return None
        fmt, text, start = levels[ilvl]
        counts = self.counters.setdefault(num_id, [0] * 9)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else start
        for deeper in range(ilvl + 1, len(counts)):
            counts[deeper] = 0
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return None

        def value(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, level_start = levels.get(level, (fmt, "", 1))
            # A parent level not yet used shows its start value, as Word does.
            return _format(counts[level] or level_start, level_fmt)

        return _PLACEHOLDER.sub(value, text) or None

    def _levels(self, num_id: str) -> dict[int, tuple[str, str, int]]:
        """numFmt, lvlText and start of each level of the list `num_id`."""
        try:
            root = self.document.part.numbering_part.element
        # A document without numbering definitions: python-docx cannot create them.
        except NotImplementedError:
            return {}
        nums = root.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not nums:
            return {}
        levels: dict[int, tuple[str, str, int]] = {}
        for lvl in root.xpath(f'./w:abstractNum[@w:abstractNumId="{nums[0]}"]/w:lvl'):
            ilvl = int(_attr(lvl, "ilvl") or 0)
            fmt = _child_val(lvl, "numFmt") or "decimal"
            text = _child_val(lvl, "lvlText") or ""
            start = int(_child_val(lvl, "start") or 1)
            levels[ilvl] = (fmt, text, start)
        return levels


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, level) from the paragraph, else from its style chain, as Word resolves it."""
    candidates: list[Any] = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
    for ppr in candidates:
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is None or num_pr.numId is None:
            continue
        num_id = str(num_pr.numId.val)
        if num_id == "0":  # numId 0 switches numbering off
            return None
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return num_id, int(ilvl)
    return None


def _attr(element: Any, name: str) -> str | None:
    from docx.oxml.ns import qn

    value = element.get(qn(f"w:{name}"))
    return str(value) if value is not None else None


def _child_val(element: Any, name: str) -> str | None:
    from docx.oxml.ns import qn

    child = element.find(qn(f"w:{name}"))
    return _attr(child, "val") if child is not None else None


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)


def _roman(value: int) -> str:
    digits = ""
    for size, symbol in _ROMAN:
        count, value = divmod(value, size)
        digits += symbol * count
    return digits
