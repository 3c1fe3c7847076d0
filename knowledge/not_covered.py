"""Topics the protocols do not cover: council business people ask a council bot about anyway.

A councillor/officer protocol never says when the bins are collected or what the mileage rate is,
but such questions share its vocabulary (council, councillor, meeting), so closeness to the
documents alone cannot tell them apart. Listing the topics lets the bot decline a question that is
nearer to one of them than to anything the documents say. The list is data an admin edits.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from knowledge.problems import KnowledgeProblem, Problem

FILE_NAME = "not_covered.toml"


def load(knowledge_dir: Path) -> tuple[str, ...]:
    """The topics, or none when the file is absent; a malformed file stops the build, naming it."""
    path = knowledge_dir / FILE_NAME
    if not path.is_file():
        return ()
    try:
        topics = tomllib.loads(path.read_text(encoding="utf-8")).get("topics", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, path.name, str(exc)) from exc
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise KnowledgeProblem(Problem.MALFORMED_TOPICS, path.name)
    return tuple(t.strip() for t in topics if t.strip())
