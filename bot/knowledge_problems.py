"""What `knowledge` finds wrong with a document or a knowledge file, worded for the admin who fixes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot import messages
from bot.errors import DocumentError
from knowledge.problems import KnowledgeProblem, Problem

_WORDING = {
    Problem.NO_DOCUMENTS: messages.NO_DOCUMENTS,
    Problem.UNREADABLE: messages.DOCUMENT_UNREADABLE,
    Problem.EMPTY: messages.DOCUMENT_EMPTY,
    Problem.NOT_A_PDF: messages.DOCUMENT_NOT_A_PDF,
    Problem.NO_TEXT_LAYER: messages.DOCUMENT_NO_TEXT_LAYER,
    Problem.NOT_A_WORD_DOCUMENT: messages.DOCUMENT_NOT_WORD,
    Problem.MALFORMED_TOPICS: messages.NOT_COVERED_MALFORMED,
}


@contextmanager
def worded() -> Iterator[None]:
    """Turn a KnowledgeProblem raised inside into a DocumentError whose text says what to do."""
    try:
        yield
    except KnowledgeProblem as found:
        raise DocumentError(_WORDING[found.problem].format(name=found.name, detail=found.detail)) from found
