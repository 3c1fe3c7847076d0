"""Topics the protocols do not cover: council business people ask a council bot about anyway.

A councillor/officer protocol never says when the bins are collected or what the mileage rate is,
but such questions share its vocabulary (council, councillor, meeting), so closeness to the
documents alone cannot tell them apart. Listing the topics lets the bot decline a question that is
nearer to one of them than to anything the documents say. The list is data an admin edits.

Topics come in three kinds, so a declined question is pointed at whoever would know: council business
(the Clerk runs the council's services and meetings), things that are not council business at all (a
poem, the weather), where nobody at the council is the right person to ask, and subjects a council's
documents may or may not cover (staff leave, dress code, whistleblowing): each is checked against the
documents at every reindex, answered from them when they address it and declined when they do not.

A fourth kind, in a file of its own (`not_covered_questions.toml`, written by bench/not_covered_questions.py),
lists questions rather than subjects: questions people put to a council bot that governance documents often
leave unanswered ("how do we co-opt someone mid-term?"), each checked against the documents the same way.
A question is declined on them only when it is much nearer to one of them than to anything the documents say.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from knowledge.problems import KnowledgeProblem, Problem

FILE_NAME = "not_covered.toml"
QUESTIONS_FILE = "not_covered_questions.toml"


class Ask(StrEnum):
    """Whom a question on a topic is for: the file's table names."""

    COUNCIL_BUSINESS = "council_business"
    OFF_TOPIC = "off_topic"
    DOCUMENTS_MAY_COVER = "documents_may_cover"
    DOCUMENTS_MAY_NOT_ANSWER = "documents_may_not_answer"  # questions, not subjects (QUESTIONS_FILE)

    @property
    def checked_against_documents(self) -> bool:
        """Whether the documents being indexed may answer it, and it declines nothing when they do."""
        return self in (Ask.DOCUMENTS_MAY_COVER, Ask.DOCUMENTS_MAY_NOT_ANSWER)


@dataclass(frozen=True)
class Topic:
    text: str
    ask: Ask


def load(knowledge_dir: Path) -> tuple[Topic, ...]:
    """The topics of both files, or none from a file that is absent; a malformed file stops the build, naming it."""
    return _read(knowledge_dir / FILE_NAME) + _read(knowledge_dir / QUESTIONS_FILE)


def _read(path: Path) -> tuple[Topic, ...]:
    """One file's topics. A bare `topics = [...]` at the top of the file (its first form) lists council business."""
    if not path.is_file():
        return ()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, path.name, str(exc)) from exc
    # the file's first form, a bare list at the top, is council business
    lists: list[tuple[Ask, Any]] = [(Ask.COUNCIL_BUSINESS, raw.get("topics", []))]
    for ask in Ask:
        table = raw.get(ask.value, {})
        lists.append((ask, table.get("topics", []) if isinstance(table, dict) else None))
    out: list[Topic] = []
    for ask, topics in lists:
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise KnowledgeProblem(Problem.MALFORMED_TOPICS, path.name)
        out.extend(Topic(t.strip(), ask) for t in topics if t.strip())
    return tuple(out)
