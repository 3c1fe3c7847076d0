"""What an index version says about itself (its `manifest.json`), read into typed records.

The manifest is written last by a build, so a version with a readable manifest is complete; a
manifest that does not read as this shape makes the version unreadable, never half-trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from knowledge.catalogue import Entry


@dataclass(frozen=True)
class DocumentRecord:
    """One indexed document: its fingerprint and size, and what the catalogue said of it then."""

    sha256: str
    clauses: int
    catalogue: Entry
    own_title: str = ""  # what the document's opening lines call it, for where the catalogue is silent
    own_council: str = ""
    own_status: tuple[str, ...] = ()  # its own lines on when it was adopted or reviewed (document_status.py)
    own_kind: str = ""  # what an untitled document calls itself ("Protocol"), titles.Named.kind


@dataclass(frozen=True)
class Manifest:
    version: str
    model: str  # the embedding model's name: vectors of another model are not comparable
    dimension: int
    built_at: str
    clauses: int
    pieces: int
    documents: Mapping[str, DocumentRecord]  # by file name
    not_covered_topics: int = 0
    not_covered_asks: tuple[str, ...] = ()  # per topic, whom a question on it is for (knowledge.not_covered.Ask)

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["documents"] = {source: _record_json(record) for source, record in self.documents.items()}
        return raw

    @classmethod
    def from_json(cls, raw: object) -> Manifest:
        """Raises ValueError when `raw` is not a manifest."""
        if not isinstance(raw, dict) or not isinstance(raw.get("documents"), dict):
            raise ValueError("the manifest is not an object with documents")
        documents = {str(source): _record(str(source), entry) for source, entry in raw["documents"].items()}
        return cls(
            version=_typed(raw, "version", str), model=_typed(raw, "model", str),
            dimension=_typed(raw, "dimension", int), built_at=_typed(raw, "built_at", str),
            clauses=_typed(raw, "clauses", int), pieces=_typed(raw, "pieces", int), documents=documents,
            not_covered_topics=int(raw.get("not_covered_topics", 0)),
            not_covered_asks=tuple(str(a) for a in raw.get("not_covered_asks", ())),
        )


def _typed(raw: Mapping[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"the manifest's {key} is missing or not a {kind.__name__}")
    return value


# A document's entry is flat in the file: its fingerprint and size beside the catalogue's fields.
_CATALOGUE_FIELDS = tuple(f.name for f in fields(Entry) if f.name != "source")


def _record_json(record: DocumentRecord) -> dict[str, Any]:
    return {"sha256": record.sha256, "clauses": record.clauses, "own_title": record.own_title,
            "own_council": record.own_council, "own_status": list(record.own_status), "own_kind": record.own_kind,
            **{name: getattr(record.catalogue, name) for name in _CATALOGUE_FIELDS}}


def _record(source: str, entry: object) -> DocumentRecord:
    if not isinstance(entry, dict):
        raise ValueError("a manifest document entry is not an object")
    catalogue = Entry(source, **{name: str(entry[name]) for name in _CATALOGUE_FIELDS if name in entry})
    return DocumentRecord(_typed(entry, "sha256", str), _typed(entry, "clauses", int), catalogue,
                          str(entry.get("own_title", "")), str(entry.get("own_council", "")),
                          tuple(str(line) for line in entry.get("own_status", ())), str(entry.get("own_kind", "")))
