"""What the clause parser produces: the unit a reader cites."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    """One citable piece of a protocol document.

    `text` is verbatim from the source apart from hard-wrapped lines being rejoined
    and markdown emphasis markers removed; `start`/`end` are character offsets of the
    clause's span in the source text, so an admin can find it in the original file.
    `lead_in` is set when a long list was split into parts: the introducing sentence
    that each part repeats, so that no part reads out of context.
    """

    doc_id: str
    ref: str | None
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int
    lead_in: str | None = None

    @property
    def heading(self) -> str | None:
        return self.heading_path[-1] if self.heading_path else None


MAX_CLAUSE_CHARS = 1500
