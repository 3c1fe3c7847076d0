"""Finding and reading the protocol documents an index is built from.

Every format is turned into plain text here, so the one clause parser serves them all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from knowledge.problems import KnowledgeProblem, Problem
from knowledge.read_docx import read_docx
from knowledge.read_pdf import read_pdf

READABLE_SUFFIXES = (".txt", ".md", ".pdf", ".docx")


@dataclass(frozen=True)
class SourceDocument:
    source: str  # file name, the document's id everywhere
    text: str
    sha256: str


def listed(folder: Path) -> list[Path]:
    """The readable documents in `folder`, by name (none is not a problem here)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES)


def find(folder: Path) -> list[Path]:
    paths = listed(folder)
    if not paths:
        raise KnowledgeProblem(Problem.NO_DOCUMENTS, str(folder))
    return paths


def read(path: Path) -> SourceDocument:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, path.name, str(exc)) from exc
    return decode(path.name, raw)


def decode(name: str, raw: bytes) -> SourceDocument:
    """A document's text from its bytes, read by the format its name's suffix says; an upload is
    checked this way before it is saved, so it is read exactly as a build will read it."""
    text = _text(name, raw)
    if not text.strip():
        raise KnowledgeProblem(Problem.EMPTY, name)
    return SourceDocument(name, text, fingerprint(raw))


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _text(name: str, raw: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        return read_pdf(name, raw)
    if suffix == ".docx":
        return read_docx(name, raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, name, str(exc)) from exc
