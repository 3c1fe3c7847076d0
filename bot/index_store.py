"""Versioned index directories on disk and the `CURRENT` pointer that says which one serves.

A build writes a complete new directory, then swaps the pointer with one atomic rename, so a
reader sees either the old index or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot import messages
from bot.errors import IndexUnavailable

POINTER = "CURRENT"
MANIFEST = "manifest.json"
CLAUSES = "clauses.jsonl"
PIECES = "pieces.jsonl"
CLAUSE_VECTORS = "clauses.faiss"
PIECE_VECTORS = "pieces.faiss"


@dataclass(frozen=True)
class StoredClause:
    source: str
    ref: str | None
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class StoredPiece:
    clause: int  # row in the clause table
    quote: str


@dataclass(frozen=True)
class IndexData:
    version: str
    manifest: dict[str, Any]
    clauses: tuple[StoredClause, ...]
    pieces: tuple[StoredPiece, ...]
    clause_vectors: Any  # faiss indexes, searched by bot.retrieval
    piece_vectors: Any


def _write_faiss(path: Path, vectors: np.ndarray) -> None:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def _read_faiss(path: Path) -> Any:
    import faiss

    # A few thousand vectors are searched in microseconds; OpenMP threads would only add
    # contention with the embedder and the chat servers' worker threads.
    faiss.omp_set_num_threads(1)
    return faiss.read_index(str(path))


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write(
    root: Path,
    version: str,
    manifest: dict[str, Any],
    clauses: list[StoredClause],
    pieces: list[StoredPiece],
    clause_vectors: np.ndarray,
    piece_vectors: np.ndarray,
) -> Path:
    """Write a new version beside the others, fsync it, then point CURRENT at it."""
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".building-{version}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    _jsonl(staging / CLAUSES, [
        {"source": c.source, "ref": c.ref, "heading_path": list(c.heading_path), "text": c.text,
         "start": c.start, "end": c.end}
        for c in clauses
    ])
    _jsonl(staging / PIECES, [{"clause": p.clause, "quote": p.quote} for p in pieces])
    _write_faiss(staging / CLAUSE_VECTORS, clause_vectors)
    _write_faiss(staging / PIECE_VECTORS, piece_vectors)
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    for path in staging.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    final = root / version
    os.replace(staging, final)
    point_to(root, version)
    return final


def point_to(root: Path, version: str) -> None:
    tmp = root / f".{POINTER}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / POINTER)


def current_version(root: Path) -> str | None:
    try:
        return (root / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def versions(root: Path) -> list[str]:
    """Complete versions, oldest first (names sort by build time)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file() and not p.name.startswith("."))


def read(root: Path) -> IndexData:
    version = current_version(root)
    if version is None:
        raise IndexUnavailable(messages.INDEX_MISSING)
    folder = root / version
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        clauses = tuple(
            StoredClause(r["source"], r["ref"], tuple(r["heading_path"]), r["text"], r["start"], r["end"])
            for r in map(json.loads, (folder / CLAUSES).read_text(encoding="utf-8").splitlines())
        )
        pieces = tuple(
            StoredPiece(r["clause"], r["quote"])
            for r in map(json.loads, (folder / PIECES).read_text(encoding="utf-8").splitlines())
        )
        clause_vectors = _read_faiss(folder / CLAUSE_VECTORS)
        piece_vectors = _read_faiss(folder / PIECE_VECTORS)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: {exc}")) from exc
    if clause_vectors.ntotal != len(clauses) or piece_vectors.ntotal != len(pieces):
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: vector counts do not match"))
    return IndexData(version, manifest, clauses, pieces, clause_vectors, piece_vectors)
