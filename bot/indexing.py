"""The index build: validate every document, parse, embed, write a new version, switch to it."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bot import index_store, messages
from bot.embedding import Embedder
from bot.embedding_cache import CachedEmbedder
from bot.errors import DocumentError
from bot.index_store import StoredClause, StoredPiece
from bot.sentences import pieces
from knowledge import catalogue, documents
from knowledge.clause import Clause
from knowledge.parser import parse

KEEP_VERSIONS = 5


@dataclass(frozen=True)
class ParsedDocument:
    source: str
    sha256: str
    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class BuildReport:
    version: str
    documents: tuple[ParsedDocument, ...]
    embedded: int  # texts embedded afresh; the rest came from the cache
    seconds: float

    def summary(self) -> str:
        lines = [f"Index {self.version}: {sum(len(d.clauses) for d in self.documents)} clauses "
                 f"from {len(self.documents)} documents in {self.seconds:.1f} s "
                 f"({self.embedded} texts embedded, the rest cached)."]
        lines += [f"  {d.source}: {len(d.clauses)} clauses" for d in self.documents]
        return "\n".join(lines)


def load_documents(folder: Path) -> tuple[ParsedDocument, ...]:
    """Read and parse every document, failing on the first bad one before anything is embedded."""
    seen: dict[str, str] = {}
    parsed = []
    for path in documents.find(folder / "protocols"):
        doc = documents.read(path)
        if doc.sha256 in seen:
            raise DocumentError(messages.DOCUMENT_DUPLICATE.format(name=doc.source, other=seen[doc.sha256]))
        seen[doc.sha256] = doc.source
        clauses = tuple(parse(doc.source, doc.text))
        if not clauses:
            raise DocumentError(messages.DOCUMENT_NO_CLAUSES.format(name=doc.source))
        parsed.append(ParsedDocument(doc.source, doc.sha256, clauses))
    return tuple(parsed)


def build(
    knowledge_dir: Path,
    index_root: Path,
    embedder: Embedder,
    cache_path: Path,
    *,
    progress: bool = False,
) -> BuildReport:
    started = datetime.now(timezone.utc)
    parsed = load_documents(knowledge_dir)
    entries = catalogue.load(knowledge_dir / "catalogue.toml")
    stored: list[StoredClause] = []
    stored_pieces: list[StoredPiece] = []
    piece_texts: list[str] = []
    for doc in parsed:
        for clause in doc.clauses:
            row = len(stored)
            stored.append(StoredClause(doc.source, clause.ref, clause.heading_path, clause.text, clause.start, clause.end))
            for piece in pieces(clause.text):
                stored_pieces.append(StoredPiece(row, piece.quote))
                piece_texts.append(piece.embed_text)
    cached = CachedEmbedder(embedder, cache_path)
    try:
        clause_vectors = cached.encode([c.text for c in stored], progress=progress)
        piece_vectors = cached.encode(piece_texts, progress=progress)
    finally:
        cached.close()
    fingerprint = hashlib.sha256("".join(d.sha256 for d in parsed).encode()).hexdigest()[:8]
    version = f"v{started:%Y%m%d-%H%M%S-%f}-{fingerprint}"
    manifest = {
        "version": version,
        "model": embedder.name,
        "dimension": int(clause_vectors.shape[1]),
        "built_at": started.isoformat(timespec="seconds"),
        "clauses": len(stored),
        "pieces": len(stored_pieces),
        "documents": {
            d.source: {
                "sha256": d.sha256,
                "clauses": len(d.clauses),
                **vars(entries.get(d.source, catalogue.Entry(d.source))),
            }
            for d in parsed
        },
    }
    index_store.write(index_root, version, manifest, stored, stored_pieces, clause_vectors, piece_vectors)
    _prune(index_root)
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    return BuildReport(version, parsed, cached.computed, seconds)


def _prune(root: Path) -> None:
    current = index_store.current_version(root)
    for old in index_store.versions(root)[:-KEEP_VERSIONS]:
        if old != current:
            shutil.rmtree(root / old, ignore_errors=True)
