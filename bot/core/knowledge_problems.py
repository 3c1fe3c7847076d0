"""What `knowledge` finds wrong with a document or a knowledge file, worded for the admin who fixes it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot import messages
from bot.errors import DocumentError
from knowledge.problems import KnowledgeProblem, Problem

logger = logging.getLogger(__name__)
HAND_WRITTEN = (".toml",)  # the catalogue, the not-covered topics and the scopes

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
    """Turn a KnowledgeProblem raised inside into a DocumentError whose text says what to do. A reader's own
    words about a document (XML_PARSE_HUGE, "Stream has ended unexpectedly") go to the log, not to the admin;
    a knowledge file written by hand keeps them, as they name the line to fix."""
    try:
        yield
    except KnowledgeProblem as found:
        wording = _WORDING[found.problem]
        if found.problem is Problem.UNREADABLE and found.name.endswith(HAND_WRITTEN):
            wording = messages.KNOWLEDGE_FILE_UNREADABLE
        elif found.detail:
            logger.info("%s: %s", found.name, found.detail)
        raise DocumentError(wording.format(name=found.name, detail=found.detail)) from found
