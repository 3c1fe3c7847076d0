"""The index build: validate every document, parse, embed, write a new version, switch to it."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot import messages
from bot.core import index_store
from bot.core.answering import addressed_at
from bot.core.cached_embedding import CachedEmbedder
from bot.core.changes import ChangeReport, compare
from bot.core.document_status import status_lines
from bot.core.embedding import Embedder
from bot.core.index_store import KEEP_VERSIONS, StoredClause, StoredPiece
from bot.core.knowledge_problems import worded
from bot.core.manifest import DocumentRecord, Manifest
from bot.core.sentences import pieces
from bot.core.titles import Named, from_text
from bot.core.vector_index import EXACT_UP_TO
from bot.errors import DocumentError, IndexUnavailable
from bot.stores.sql_embedding_cache import CacheAt, open_cache
from knowledge import catalogue, documents, not_covered
from knowledge.clause import Clause
from knowledge.parser import parse


@dataclass(frozen=True)
class ParsedDocument:
    source: str
    sha256: str
    clauses: tuple[Clause, ...]
    own: Named = Named("")  # the title and council its opening lines state, for where the catalogue is silent
    status: tuple[str, ...] = ()  # its opening lines on when it was adopted or reviewed


@dataclass(frozen=True)
class BuildReport:
    version: str
    documents: tuple[ParsedDocument, ...]
    embedded: int  # texts embedded afresh; the rest came from the cache
    seconds: float
    changes: ChangeReport

    def summary(self) -> str:
        lines = [messages.BUILD_SUMMARY.format(
            version=self.version, clauses=sum(len(d.clauses) for d in self.documents), documents=len(self.documents),
            seconds=self.seconds, embedded=self.embedded,
        )]
        lines += [messages.BUILD_DOCUMENT.format(source=d.source, clauses=len(d.clauses)) for d in self.documents]
        lines.append(self.changes.render())
        return "\n".join(lines)


@dataclass(frozen=True)
class Preview:
    """What a build would do, found without embedding anything or touching the index."""

    documents: tuple[ParsedDocument, ...]
    changes: ChangeReport

    def summary(self) -> str:
        clauses = sum(len(d.clauses) for d in self.documents)
        return "\n".join([messages.DRY_RUN_SUMMARY.format(clauses=clauses, documents=len(self.documents)),
                          self.changes.render()])


@dataclass(frozen=True)
class Knowledge:
    """Everything a build reads from the knowledge folder, checked before anything is embedded."""

    documents: tuple[ParsedDocument, ...]
    catalogue: dict[str, catalogue.Entry]
    not_covered: tuple[not_covered.Topic, ...]


def read_knowledge(knowledge_dir: Path) -> Knowledge:
    """Read and parse every document and knowledge file, failing on the first bad one, naming it."""
    with worded():
        return Knowledge(load_documents(knowledge_dir), catalogue.load(knowledge_dir / "catalogue.toml"),
                         not_covered.load(knowledge_dir))


def load_documents(folder: Path) -> tuple[ParsedDocument, ...]:
    """Read and parse every document, failing on the first bad one before anything is embedded."""
    seen: dict[str, str] = {}
    parsed = []
    for path in documents.find(folder / "protocols"):
        doc = documents.read(path)
        if doc.sha256 in seen:
            raise DocumentError(messages.DOCUMENT_DUPLICATE.format(name=doc.source, other=seen[doc.sha256]))
        seen[doc.sha256] = doc.source
        parsed.append(parse_document(doc))
    return tuple(parsed)


def parse_document(doc: documents.SourceDocument) -> ParsedDocument:
    """One document's clauses, as a build parses them; DocumentError when it has none."""
    clauses = tuple(parse(doc.source, doc.text))
    if not clauses:
        raise DocumentError(messages.DOCUMENT_NO_CLAUSES.format(name=doc.source))
    return ParsedDocument(doc.source, doc.sha256, clauses, from_text(doc.text), status_lines(doc.text))


def preview(knowledge_dir: Path, index_root: Path) -> Preview:
    """Validate and parse every document, as a build does, and compare them with the serving index."""
    parsed = read_knowledge(knowledge_dir).documents
    return Preview(parsed, _changes(index_root, parsed))


def _changes(index_root: Path, parsed: tuple[ParsedDocument, ...]) -> ChangeReport:
    previous = index_store.current_version(index_root)
    before: dict[str, list[StoredClause]] = {}
    if previous is not None:
        try:
            for clause in index_store.read_clauses(index_root, previous):
                before.setdefault(clause.source, []).append(clause)
        except IndexUnavailable:
            # reindexing is how an admin repairs an unreadable index, so it must not fail on one;
            # the report then compares with nothing, as for a first build
            previous, before = None, {}
    return compare(previous, before, {d.source: d.clauses for d in parsed})


def build(
    knowledge_dir: Path,
    index_root: Path,
    embedder: Embedder,
    cache: CacheAt,
    *,
    keep: int = KEEP_VERSIONS,
    progress: bool = False,
    exact_up_to: int = EXACT_UP_TO,
) -> BuildReport:
    with index_store.build_lock(index_root):
        started = datetime.now(UTC)
        knowledge = read_knowledge(knowledge_dir)
        parsed, entries, topics = knowledge.documents, knowledge.catalogue, knowledge.not_covered
        changes = _changes(index_root, parsed)
        stored: list[StoredClause] = []
        stored_pieces: list[StoredPiece] = []
        piece_texts: list[str] = []
        for doc in parsed:
            for clause in doc.clauses:
                row = len(stored)
                stored.append(StoredClause(doc.source, clause.ref, clause.heading_path, clause.text, clause.start,
                                           clause.end))
                for piece in pieces(clause.text):
                    stored_pieces.append(StoredPiece(row, piece.quote))
                    piece_texts.append(piece.embed_text)
        fingerprint = hashlib.sha256("".join(d.sha256 for d in parsed).encode()).hexdigest()[:8]
        version = f"v{started:%Y%m%d-%H%M%S-%f}-{fingerprint}"
        stage = index_store.Staging(index_root, version)
        try:
            stage.write_tables(stored, stored_pieces)
            cached = CachedEmbedder(embedder, open_cache(cache))
            try:
                # one call, so the embedder sees every new text of the build in one batch
                vectors = cached.encode([c.text for c in stored] + piece_texts + [t.text for t in topics], progress=progress)
            finally:
                cached.close()
            first_topic = len(stored) + len(piece_texts)
            piece_vectors, topic_vectors = vectors[len(stored) : first_topic], vectors[first_topic:]
            in_force = topics_in_force(topics, topic_vectors, piece_vectors, addressed_at(embedder.name))
            topics = tuple(t for t, keep in zip(topics, in_force, strict=True) if keep)
            stage.write_vectors(vectors[: len(stored)], piece_vectors, topic_vectors[in_force], exact_up_to=exact_up_to)
            stage.write_text(index_store.CHANGES_JSON, json.dumps(changes.to_json(), indent=2, ensure_ascii=False))
            stage.write_text(index_store.CHANGES_TEXT, changes.render())
            stage.commit(Manifest(
                version=version,
                model=embedder.name,
                dimension=int(vectors.shape[1]),
                built_at=started.isoformat(timespec="seconds"),
                clauses=len(stored),
                pieces=len(stored_pieces),
                not_covered_topics=len(topics),
                not_covered_asks=tuple(t.ask.value for t in topics),
                documents={d.source: DocumentRecord(d.sha256, len(d.clauses),
                                                    entries.get(d.source, catalogue.Entry(d.source)),
                                                    d.own.title, d.own.council, d.status, d.own.kind)
                           for d in parsed},
            ))
        except BaseException:
            stage.discard()  # a failed build leaves no directory behind, and CURRENT as it was
            raise
        _prune(index_root, keep)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BuildReport(version, parsed, cached.computed, seconds, changes)


_CHUNK = 65536  # pieces compared with the topics at once


def topics_in_force(topics: tuple[not_covered.Topic, ...], topic_vectors: np.ndarray, piece_vectors: np.ndarray,
                     addressed: float) -> np.ndarray:
    """Which topics decline questions in this index: every topic but a subject the documents being
    indexed address (some sentence of theirs is at least `addressed` alike), whose questions they answer."""
    may_cover = np.array([t.ask.checked_against_documents for t in topics], dtype=bool)
    closest = np.full(len(topics), -1.0, dtype=np.float32)
    for start in range(0, len(piece_vectors), _CHUNK):  # in chunks: a large council's pieces are millions
        closest = np.maximum(closest, (topic_vectors @ piece_vectors[start : start + _CHUNK].T).max(axis=1))
    in_force: np.ndarray = ~(may_cover & (closest >= addressed))
    return in_force


def _prune(root: Path, keep: int) -> None:
    """Remove all but the newest `keep` complete versions; the serving one always stays, even after a rollback."""
    current = index_store.current_version(root)
    complete = index_store.versions(root)
    for old in complete[: max(len(complete) - keep, 0)]:
        if old != current:
            shutil.rmtree(root / old, ignore_errors=True)
