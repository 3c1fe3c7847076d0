"""The catalogue: what each protocol document is, as the document itself states it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from knowledge.problems import KnowledgeProblem, Problem


@dataclass(frozen=True)
class Entry:
    source: str
    title: str = ""
    council: str = ""
    adopted: str = ""
    reviewed: str = ""
    review: str = ""
    superseded_by: str = ""  # the file name of the document that replaces this one

    @property
    def display_title(self) -> str:
        """Untitled documents are shown by file name rather than by an invented title."""
        return self.title or self.source


def load(path: Path) -> dict[str, Entry]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, path.name, str(exc)) from exc
    fields = {"title", "council", "adopted", "reviewed", "review", "superseded_by"}
    return {
        source: Entry(source, **{k: str(v) for k, v in table.items() if k in fields})
        for source, table in raw.items()
    }
