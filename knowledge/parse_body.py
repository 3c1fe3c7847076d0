"""Which lines of a document are the protocol itself.

Left out: a committee report wrapped around the protocol (the protocol is then an
appendix), the title block (council name, adoption and review dates) and the table of
contents. These are recognised by their shape, never by which file they came from.
"""

from __future__ import annotations

import re
from collections import Counter

from knowledge.parse_lines import Line, is_all_caps, table_cells, title_like
from knowledge.parse_text import is_terminated

_APPENDIX = re.compile(r"appendix\s+(\d{1,2}|[a-z])", re.IGNORECASE)
_CONTENTS = re.compile(r"(table\s+of\s+)?contents?:?", re.IGNORECASE)
_TITLE_WORD = re.compile(r"(adopted|approved|reviewed|review|version|date)\b", re.IGNORECASE)
_LEADER = re.compile(r"\.{2,}.*$|\s+\d{1,3}$")
# What a PDF prints on every page: "Page 3", "Page 3 of 9", "3 of 9", "- 3 -".
_PAGE_NUMBER = re.compile(r"page\s+\d{1,3}(\s+of\s+\d{1,3})?|\d{1,3}\s+of\s+\d{1,3}|-\s*\d{1,3}\s*-", re.IGNORECASE)
# A header or footer that starts or ends with its page number ("Version 4.2 – February 2023      Page 3 of 9").
_FOOTER = re.compile(r".{0,80}\spage\s+\d{1,3}\s+of\s+\d{1,3}|page\s+\d{1,3}\s+of\s+\d{1,3}\s.{0,80}", re.IGNORECASE)
# A footnote's own text, "[2] See the Whistleblowing Policy.", belongs to no clause.
_FOOTNOTE = re.compile(r"\[\d{1,2}\]\s+\S")
# What a council web page prints around the protocol: links to itself as a download, the date a page was put
# up ("Policies Uploaded on February 3, 2021"), and where a page was copied from a PDF, its images' names.
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_WEB_FURNITURE = re.compile(
    r"(skip to (main )?content|back to top|was this page helpful|share this page|print this page|"
    r"page last (reviewed|updated)|last (reviewed|updated)|(accept|reject) (all )?cookies|©|copyright\b|"
    r"(select|click)( here)? (for|to) (a |the )?(download|print|view)|download (this|the|as|a)\b).{0,80}"
    rf"|(\w+\s+){{0,3}}(uploaded|posted) on (\d{{1,2}}(st|nd|rd|th)?\s+)?{_MONTH}(\s+\d{{1,2}}(st|nd|rd|th)?)?,?\s+\d{{4}}"
    r"|(page\d+image\d+\s*)+",
    re.IGNORECASE,
)
# A questions-and-answers page's labels, each on a line of its own above what it labels.
_FAQ_LABEL = re.compile(r"(question|answer)\s*:", re.IGNORECASE)
_RUNNING_REPEATS = 3  # a short line printed this often is a running header or footer
_RUNNING_CHARS = 120  # short: a council's name, the document's title and its part of the constitution


def body_lines(lines: list[Line]) -> list[Line]:
    lines = _without_page_furniture(lines)
    start = _appendix_start(lines)
    lines = lines[start:]
    contents = next((i for i, line in enumerate(lines) if _CONTENTS.fullmatch(line.run.text)), None)
    if contents is not None:
        # Whatever precedes the contents is the title page.
        lines = lines[_contents_end(lines, contents) :]
    else:
        lines = lines[_title_end(lines) :]
    return _without_contents_tables(lines)


def _without_page_furniture(lines: list[Line]) -> list[Line]:
    """Drop page numbers, running headers and footers, and footnote texts.

    Dropping them (rather than blanking them) lets a sentence broken by a page end rejoin; so does
    dropping the blank lines around them, which are the page break too, where a sentence was cut
    (the line before is unfinished, and neither it nor the line after could be a heading).
    """
    counts = Counter(_furniture_key(line) for line in lines if not line.blank and not line.marked)

    def printed_on_every_page(line: Line) -> bool:
        return bool(
            _PAGE_NUMBER.fullmatch(line.run.text)
            or _FOOTER.fullmatch(" ".join(line.run.text.split()))
            or (not line.marked and len(key := _furniture_key(line)) <= _RUNNING_CHARS and counts[key] >= _RUNNING_REPEATS)
        )

    kept: list[Line] = []
    blanks: list[Line] = []  # the blank lines since the last line kept
    broken = False  # furniture among them: a page break
    for line in lines:
        if line.blank:
            blanks.append(line)
            continue
        if printed_on_every_page(line):
            broken = True
            continue
        cut = (broken and kept and not is_terminated(kept[-1].run.text)
               and not _could_head(kept[-1]) and not _could_head(line))
        if not cut:
            kept += blanks
        blanks, broken = [], False
        if not (_FOOTNOTE.match(line.run.text) or _WEB_FURNITURE.fullmatch(line.run.text)
                or _FAQ_LABEL.fullmatch(line.run.text)):
            kept.append(line)
    return kept + blanks


def _could_head(line: Line) -> bool:
    return title_like(line.body.text, 80) or is_all_caps(line.body.text)


def _furniture_key(line: Line) -> str:
    return " ".join(line.run.text.lower().split())


def _appendix_start(lines: list[Line]) -> int:
    """Start of the protocol when the document is a report with the protocol appended.

    The sign is a line that is nothing but "APPENDIX 1" (or "Appendix A") followed by a
    title naming a protocol; a mere mention of the appendix inside the report does not count.
    """
    for i, line in enumerate(lines):
        if line.marked or not _APPENDIX.fullmatch(line.body.text):
            continue
        following = next((other for other in lines[i + 1 :] if not other.blank), None)
        if following is not None and "protocol" in following.run.text.lower():
            return i
    return 0


def _entry_key(line: Line) -> str:
    text = (table_cells(line) or [""])[0] if line.table else line.body.text
    return " ".join(_LEADER.sub("", text).lower().split())


def _contents_end(lines: list[Line], contents: int) -> int:
    """The contents end where their first entry reappears as the first heading."""
    entries = [i for i in range(contents + 1, len(lines)) if not lines[i].blank]
    first = next((i for i in entries if _entry_key(lines[i])), None)
    if first is not None:
        key = _entry_key(lines[first])
        for i in entries:
            if i > first and not lines[i].table and _entry_key(lines[i]) == key:
                return i
    # No repeated heading: the contents run until the first line that reads as prose.
    for i in entries:
        text = lines[i].run.text
        if not lines[i].table and (len(text) > 80 or text[-1] in ".;!?"):
            return i
    return len(lines)


def _title_end(lines: list[Line]) -> int:
    """End of a leading block of short title lines closed by a date or version line."""
    end = 0
    for i, line in enumerate(lines):
        text = line.body.text
        if line.blank:
            continue
        if line.marked or line.md_level > 1 or len(text) > 100 or text[-1] in ".;!?":
            break
        if line.md_level == 1 or _APPENDIX.fullmatch(text) or _TITLE_WORD.match(text):
            end = i + 1
    return end


def _without_contents_tables(lines: list[Line]) -> list[Line]:
    """Drop markdown tables whose rows end in page numbers: a contents table without a title."""
    kept: list[Line] = []
    block: list[Line] = []
    for line in [*lines, None]:
        if line is not None and line.table:
            block.append(line)
            continue
        rows = [cells for cells in map(table_cells, block) if cells]
        paged = [cells for cells in rows if len(cells) > 1 and cells[-1].isdigit()]
        if not rows or 2 * len(paged) < len(rows):
            kept += block
        block = []
        if line is not None:
            kept.append(line)
    return kept
