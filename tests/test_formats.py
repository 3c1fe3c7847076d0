"""PDF and Word documents give the same clauses as the plain text they were made from.

Each seed protocol is turned into a DOCX and a PDF here, the way an author's file would
carry it: in the DOCX, lines the text parser reads as headings get Heading styles, the
markdown contents table becomes a Word table, and clause numbers stay visible text; the
PDF prints every line as it reads. Each file then goes through `documents.read` and the
one parser, and must yield the same clause refs, in order, under the same headings
and with the same words.

Allowances, all from how the PDF is made rather than from the reader:
- Every source line is one PDF text line (the page is wide enough), because rejoining
  hard-wrapped lines is the parser's job, tested on the PDF-extracted seed 003.
- A PDF has no tab character, so tabs are printed as spaces; without DejaVu Sans the
  core font cannot print curly quotes and dashes, so those are compared after the same
  substitution (`_printable`).
"""

from __future__ import annotations

import bisect
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from bot.core.knowledge_problems import worded
from bot.errors import DocumentError
from knowledge import documents
from knowledge.parse_body import body_lines
from knowledge.parse_lines import read_lines
from knowledge.parse_paragraphs import paragraphs
from knowledge.parser import parse

PROTOCOLS = Path(__file__).resolve().parent.parent / "knowledge" / "protocols"
SEEDS = sorted(path.stem for path in PROTOCOLS.glob("*.txt"))
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_CORE_FONT_STAND_INS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-"})


def _seed(stem: str) -> str:
    return (PROTOCOLS / f"{stem}.txt").read_text(encoding="utf-8")


def _printable(text: str) -> str:
    if DEJAVU.exists():
        return text
    return text.translate(_CORE_FONT_STAND_INS).encode("latin-1", "replace").decode("latin-1")


def _headings(text: str) -> dict[int, tuple[int, str]]:
    """Line index -> (level, title) of every line the text parser reads as a heading."""
    starts: list[int] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        starts.append(pos)
        pos += len(line)
    found = {i: (line.md_level, line.item_run.text) for i, line in enumerate(read_lines(text)) if line.md_level}
    for para in paragraphs(body_lines(read_lines(text))):
        if para.rank:
            found[bisect.bisect_right(starts, para.line.run.start) - 1] = (para.rank, para.title)
    return found


def write_docx(text: str, path: Path) -> None:
    document = docx.Document()
    headings = _headings(text)
    table: list[list[str]] = []
    for i, line in enumerate([*text.splitlines(), ""]):
        if line.startswith("|"):
            if not set(line) <= set("|-: "):  # the |---| rule is markdown, not a row
                table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if table:
            grid = document.add_table(rows=len(table), cols=max(map(len, table)))
            for row, cells in zip(grid.rows, table, strict=True):
                for cell, value in zip(row.cells, cells, strict=False):
                    cell.text = value
            table = []
        if i in headings:
            level, title = headings[i]
            document.add_heading(title, level)
        elif i < len(text.splitlines()):
            document.add_paragraph(line)
    document.save(str(path))


def write_pdf(text: str, path: Path) -> None:
    pdf = FPDF(unit="pt", format=(6000, 842))
    if DEJAVU.exists():
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=8)
    else:
        pdf.set_font("Helvetica", size=8)
    pdf.add_page()
    for line in _printable(text.replace("\t", "    ")).splitlines():
        if line.strip():
            pdf.cell(text=line, h=11, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(11)
    pdf.output(str(path))


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("stem", SEEDS)
@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_seed_protocol_gives_the_same_clauses_as_docx_and_as_pdf(tmp_path: Path, stem: str, suffix: str) -> None:
    text = _seed(stem)
    path = tmp_path / f"{stem}{suffix}"
    (write_docx if suffix == ".docx" else write_pdf)(text, path)
    expected = parse(stem, text)
    got = parse(stem, documents.read(path).text)
    assert [c.ref for c in got] == [c.ref for c in expected]
    assert [c.heading_path for c in got] == [c.heading_path for c in expected]
    compare = _printable if suffix == ".pdf" else str
    assert [_words(c.text) for c in got] == [_words(compare(c.text)) for c in expected]


def test_a_pdf_without_a_text_layer_is_refused_as_a_likely_scan(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 170, 250, style="F")  # ink but no text, as a scanned page
    path = tmp_path / "scanned.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError, match="scanned.pdf: the PDF has no text layer, so it looks like a scan"), worded():
        documents.read(path)


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx"])
def test_a_corrupt_pdf_or_docx_is_refused_by_name_with_the_reason(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(DocumentError, match=rf"{name}: the document could not be read \(not a .*(PDF|Word document)"):
        with worded():
            documents.read(path)


def test_a_docx_table_becomes_rows_of_cells_joined_by_bars(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("5. Who to contact", 1)
    grid = document.add_table(rows=2, cols=2)
    for row, cells in zip(grid.rows, [("Concern", "Contact"), ("Bullying", "The Monitoring Officer")], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    path = tmp_path / "contacts.docx"
    document.save(str(path))
    text = documents.read(path).text
    assert text.splitlines() == ["# 5. Who to contact", "| Concern | Contact |", "| Bullying | The Monitoring Officer |"]
    assert [(c.ref, c.text) for c in parse("contacts", text)] == [
        ("5", "Concern | Contact\nBullying | The Monitoring Officer")
    ]


def test_word_automatic_numbering_is_written_out_as_the_reader_sees_it(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Gifts", 1)
    for wording in ("Officers must declare gifts over £25.", "Councillors must not offer gifts to staff."):
        document.add_paragraph(wording, style="List Number")
    path = tmp_path / "gifts.docx"
    document.save(str(path))
    text = documents.read(path).text
    assert text.splitlines()[1:] == ["1. Officers must declare gifts over £25.", "2. Councillors must not offer gifts to staff."]
    assert [c.ref for c in parse("gifts", text)] == ["1", "2"]


def test_pdf_and_docx_files_are_found_alongside_text_and_markdown(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.pdf", "d.docx", "e.doc", "f.png"):
        (tmp_path / name).write_bytes(b"x")
    assert [path.name for path in documents.find(tmp_path)] == ["a.txt", "b.md", "c.pdf", "d.docx"]
