"""PDF documents as the plain text the clause parser reads.

Only PDFs with a text layer can be read; a scan is an image of text and is refused
with a message that says so, rather than indexed as an empty document.
"""

from __future__ import annotations

import re
from io import BytesIO

from knowledge.problems import KnowledgeProblem, Problem

_SPACES = re.compile(r" {2,}")


def read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader  # imported here so plain-text-only installs never load it

    try:
        reader = PdfReader(BytesIO(data))
        # Layout mode keeps the blank lines between paragraphs, which the parser needs
        # to tell headings and paragraphs apart; the plain mode drops them.
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    # A damaged file fails inside pypdf with many exception types (and encrypted files
    # with their own); each means the same thing to the person who supplied it.
    except Exception as exc:  # noqa: BLE001
        detail = str(exc) or type(exc).__name__
        raise KnowledgeProblem(Problem.NOT_A_PDF, name, detail) from exc
    if not any(page.strip() for page in pages):
        raise KnowledgeProblem(Problem.NO_TEXT_LAYER, name)
    return "\n".join(_clean(page) for page in pages)


def _clean(page: str) -> str:
    """A page without the layout padding: one space between words, no blank margins.

    Layout mode pads with spaces to reproduce columns; the parser needs words and
    line breaks only. A page break reads as a line break.
    """
    lines = [_SPACES.sub(" ", line).rstrip() for line in page.splitlines()]
    return "\n".join(lines).strip("\n")
