"""Why a document or a knowledge file cannot be used, as data: the core words it for people.

`knowledge` knows nothing of the bot, so it never words a message itself; `bot.indexing` turns a
`KnowledgeProblem` into the admin-facing text in bot/messages.py.
"""

from __future__ import annotations

from enum import Enum


class Problem(Enum):
    NO_DOCUMENTS = "no documents"  # `name` is the folder
    UNREADABLE = "unreadable"  # the file could not be read or decoded
    EMPTY = "empty"
    NOT_A_PDF = "not a readable PDF"
    NO_TEXT_LAYER = "no text layer"  # a scanned PDF
    NOT_A_WORD_DOCUMENT = "not a Word document"
    MALFORMED_TOPICS = "malformed topics"  # not_covered.toml's `topics` is not a list of strings


class KnowledgeProblem(Exception):
    def __init__(self, problem: Problem, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {problem.value}{': ' + detail if detail else ''}")
        self.problem = problem
        self.name = name
        self.detail = detail
