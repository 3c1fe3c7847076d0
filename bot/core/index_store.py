"""Versioned index directories on disk and the `CURRENT` pointer that says which one serves.

A build writes a complete new directory, then swaps the pointer with one atomic rename, so a
reader sees either the old index or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot import messages
from bot.core import vector_index
from bot.core.manifest import Manifest
from bot.errors import IndexUnavailable

# complete versions kept on disk (PROTOCOL_BOT_KEEP_VERSIONS): enough to roll back a few publishes
KEEP_VERSIONS = 5

POINTER = "CURRENT"
MANIFEST = "manifest.json"
CLAUSES = "clauses.jsonl"
PIECES = "pieces.jsonl"
CLAUSE_VECTORS = "clauses.faiss"
PIECE_VECTORS = "pieces.faiss"
NOT_COVERED_VECTORS = "not_covered.npy"
CHANGES_JSON = "changes.json"
CHANGES_TEXT = "changes.txt"
PUBLISHER = "published_by.txt"  # who published a version from the console; builds from elsewhere have none
SNAPSHOT = "documents"  # copies of the files a version published from the console was built from
STAGING_PREFIX = ".building-"
LOCK = ".build.lock"


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
    manifest: Manifest
    clauses: tuple[StoredClause, ...]
    pieces: tuple[StoredPiece, ...]
    clause_vectors: Any  # faiss indexes, searched by bot.retrieval
    piece_vectors: Any
    not_covered_vectors: np.ndarray  # one row per topic the protocols do not cover (knowledge/not_covered.toml)
    change_report: str | None = None  # what changed when this version was built, as text


def _write_faiss(path: Path, vectors: np.ndarray, exact_up_to: int) -> None:
    import faiss

    faiss.write_index(vector_index.build(vectors, exact_up_to=exact_up_to), str(path))


def _read_faiss(path: Path) -> Any:
    import faiss

    return vector_index.prepared(faiss.read_index(str(path)))


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


class Staging:
    """A version being written: a dot-directory that `versions()` ignores until `commit()` renames it.

    A build killed half-way leaves only this directory behind; the next successful build removes it.
    """

    def __init__(self, root: Path, version: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.version = version
        self.path = root / f"{STAGING_PREFIX}{version}"
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir()

    def write_tables(self, clauses: list[StoredClause], pieces: list[StoredPiece]) -> None:
        _jsonl(self.path / CLAUSES, [
            {"source": c.source, "ref": c.ref, "heading_path": list(c.heading_path), "text": c.text,
             "start": c.start, "end": c.end}
            for c in clauses
        ])
        _jsonl(self.path / PIECES, [{"clause": p.clause, "quote": p.quote} for p in pieces])

    def write_vectors(self, clause_vectors: np.ndarray, piece_vectors: np.ndarray, not_covered: np.ndarray,
                      *, exact_up_to: int = vector_index.EXACT_UP_TO) -> None:
        _write_faiss(self.path / CLAUSE_VECTORS, clause_vectors, exact_up_to)
        _write_faiss(self.path / PIECE_VECTORS, piece_vectors, exact_up_to)
        with (self.path / NOT_COVERED_VECTORS).open("wb") as out:
            np.save(out, np.ascontiguousarray(not_covered, dtype=np.float32))

    def write_text(self, name: str, text: str) -> None:
        (self.path / name).write_text(text, encoding="utf-8")

    def commit(self, manifest: Manifest) -> Path:
        """Write the manifest last (it marks a version complete), fsync, rename into place, point CURRENT at it."""
        self.write_text(MANIFEST, json.dumps(manifest.to_json(), indent=2, ensure_ascii=False))
        for path in self.path.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        final = self.root / self.version
        os.replace(self.path, final)
        point_to(self.root, self.version)
        for leftover in self.root.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)  # from builds killed half-way; see build_lock
        return final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One build at a time across processes (a bot's `reindex` and `make index`), so a build may
    remove any staging directory it finds: its owner is dead. The kernel releases the lock when
    its holder dies, however it dies."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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
    """Complete versions, oldest first (names sort by build time); staging directories are not versions."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file() and not p.name.startswith("."))


def previous_version(root: Path) -> str | None:
    """The complete version built just before the one serving, which a rollback returns to."""
    current = current_version(root)
    complete = versions(root)
    if current not in complete:
        return None
    position = complete.index(current)
    return complete[position - 1] if position > 0 else None


def read_manifest(root: Path) -> Manifest | None:
    """The serving version's manifest alone (no vectors): None when no index has been built."""
    version = current_version(root)
    if version is None:
        return None
    try:
        return _manifest(root / version)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: {exc}")) from exc


def manifest_of(root: Path, version: str) -> Manifest:
    """A kept version's manifest; IndexUnavailable when it is not a complete version."""
    if version not in versions(root):
        raise IndexUnavailable(messages.INDEX_NO_SUCH_VERSION)
    try:
        return _manifest(root / version)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: {exc}")) from exc


def changes_of(root: Path, version: str) -> dict[str, Any] | None:
    """What changed when `version` was built, as its build wrote it; None for versions built before reports were kept."""
    try:
        raw = json.loads((root / version / CHANGES_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


def mark_publisher(root: Path, version: str, who: str) -> None:
    (root / version / PUBLISHER).write_text(who + "\n", encoding="utf-8")


def publisher(root: Path, version: str) -> str | None:
    try:
        return (root / version / PUBLISHER).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def keep_copies(root: Path, version: str, files: Iterable[Path]) -> None:
    """Keep a copy of each file beside the version, so going back to it can put the file back even when the
    folder's copy was later changed by hand (the console itself keeps replaced files in retired/)."""
    folder = root / version / SNAPSHOT
    folder.mkdir(exist_ok=True)
    for path in files:
        shutil.copyfile(path, folder / path.name)


def kept_copies(root: Path) -> list[Path]:
    """The copies kept beside every version, oldest version first."""
    return [path for version in versions(root) if (root / version / SNAPSHOT).is_dir()
            for path in sorted((root / version / SNAPSHOT).iterdir()) if path.is_file()]


def restore(root: Path, version: str) -> None:
    """Point CURRENT at any kept complete version (one built before or after the serving one)."""
    manifest_of(root, version)  # refuses a name that is not a complete version
    point_to(root, version)


def read_clauses(root: Path, version: str) -> tuple[StoredClause, ...]:
    try:
        return _clauses(root / version)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: {exc}")) from exc


def _clauses(folder: Path) -> tuple[StoredClause, ...]:
    return tuple(
        StoredClause(r["source"], r["ref"], tuple(r["heading_path"]), r["text"], r["start"], r["end"])
        for r in map(json.loads, (folder / CLAUSES).read_text(encoding="utf-8").splitlines())
    )


def _manifest(folder: Path) -> Manifest:
    return Manifest.from_json(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


def read(root: Path) -> IndexData:
    version = current_version(root)
    if version is None:
        raise IndexUnavailable(messages.INDEX_MISSING)
    folder = root / version
    try:
        manifest = _manifest(folder)
        clauses = _clauses(folder)
        pieces = tuple(
            StoredPiece(r["clause"], r["quote"])
            for r in map(json.loads, (folder / PIECES).read_text(encoding="utf-8").splitlines())
        )
        clause_vectors = _read_faiss(folder / CLAUSE_VECTORS)
        piece_vectors = _read_faiss(folder / PIECE_VECTORS)
        # versions built before not-covered topics were kept have none
        topics = folder / NOT_COVERED_VECTORS
        not_covered = (np.load(topics, allow_pickle=False) if topics.is_file()
                       else np.zeros((0, clause_vectors.d), dtype=np.float32))
        # versions built before change reports were kept have none
        changes = folder / CHANGES_TEXT
        change_report = changes.read_text(encoding="utf-8") if changes.is_file() else None
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: {exc}")) from exc
    if clause_vectors.ntotal != len(clauses) or piece_vectors.ntotal != len(pieces):
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: vector counts do not match"))
    if not_covered.ndim != 2 or (len(not_covered) and not_covered.shape[1] != clause_vectors.d):
        raise IndexUnavailable(messages.INDEX_CORRUPT.format(detail=f"{version}: not-covered topics do not match"))
    return IndexData(version, manifest, clauses, pieces, clause_vectors, piece_vectors, not_covered, change_report)


def roll_back(root: Path) -> str | None:
    """Point CURRENT at the version built before the serving one; None, and nothing changed, when there is none."""
    target = previous_version(root)
    if target is not None:
        point_to(root, target)
    return target
