"""Changes an admin makes to the knowledge folder: documents added, replaced and retired, catalogue fields.

Front ends (the admin console) change the folder only through this class, so every rule is kept
whichever front end asks: a file is read and parsed by the build's own reader and parser before it
is saved, its name is reduced to a safe one inside `protocols/`, nothing is deleted (a replaced or
retired document moves to `retired/`, which builds never read), and every change is written to the
audit log with who made it. Nothing here changes what is served: that waits for a reindex.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path

from bot import messages
from bot.core import in_force, index_store, indexing, titles
from bot.core.knowledge_problems import worded
from bot.core.manifest import Manifest
from bot.core.titles import Named
from bot.errors import AdminRefused, DocumentError, ProtocolBotError
from bot.question import one_line
from bot.service.scopes import Scopes
from bot.stores.audit import AuditLog
from knowledge import catalogue, documents
from knowledge.catalogue import Entry

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FIELD_CHARS = 200
MAX_NAME_CHARS = 100
PROTOCOLS = "protocols"
RETIRED = "retired"
CATALOGUE = "catalogue.toml"
# what the edit form changes; superseded_by has its own action, which checks the document it names
EDITABLE = ("title", "council", "adopted", "reviewed", "review")
_UNSAFE = re.compile(r"[^\w.-]+")
_RUNS = re.compile(r"_{2,}")


class Publication(Enum):
    """How a document in the folder stands against the index being served."""

    PUBLISHED = "published"
    NEW = "new"  # not in the served index
    CHANGED = "changed"  # its file differs from the one indexed
    CATALOGUE_CHANGED = "catalogue changed"  # the file is the one indexed; its catalogue fields are not


@dataclass(frozen=True)
class DocumentView:
    source: str
    entry: Entry
    name: Named  # its title and council as people read them: the catalogue's, else the document's own
    clauses: int | None  # None when the document does not read or parse
    problem: str | None  # why not, as a build would say it
    review_due: str | None  # the review date as written, once it has passed
    publication: Publication


@dataclass(frozen=True)
class FolderRestore:
    """What bringing the folder back to what a version was built from changes, and what it cannot."""

    brought_back: tuple[str, ...]  # documents whose file becomes the copy that version was built from
    set_aside: tuple[str, ...]  # documents that version did not have, moved to retired/
    catalogue: tuple[str, ...]  # documents whose catalogue fields go back to what that version said
    missing: tuple[str, ...]  # documents whose copy is kept nowhere, so the folder's file stays as it is

    @property
    def changes_anything(self) -> bool:
        return bool(self.brought_back or self.set_aside or self.catalogue)


@dataclass(frozen=True)
class _Read:
    """What reading a file found: its clauses, or why it cannot be indexed; and what it calls itself."""

    clauses: int | None
    problem: str | None
    own: Named


def safe_name(filename: str) -> str:
    """The name an uploaded file is saved under: its last path part, with anything but letters, digits,
    '.', '-' and '_' replaced, no leading dot, and a document suffix. AdminRefused otherwise."""
    base = unicodedata.normalize("NFKC", re.split(r"[\\/]", filename)[-1])
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in documents.READABLE_SUFFIXES:
        raise AdminRefused(messages.ADMIN_UPLOAD_TYPE.format(name=one_line(base) or "?"))
    stem = _RUNS.sub("_", _UNSAFE.sub("_", stem)).strip("._-")[:MAX_NAME_CHARS]
    if not stem:
        raise AdminRefused(messages.ADMIN_UPLOAD_NO_NAME)
    return stem + suffix


def check_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise AdminRefused(messages.ADMIN_UPLOAD_TOO_LARGE.format(
            name=name, size=size / 1024 / 1024, limit=MAX_UPLOAD_BYTES // 1024 // 1024))


def field_value(label: str, value: str) -> str:
    """A catalogue field as it is stored: one line of visible text, not too long to read."""
    cleaned = one_line(value)
    if len(cleaned) > MAX_FIELD_CHARS:
        raise AdminRefused(messages.ADMIN_FIELD_TOO_LONG.format(field=label, limit=MAX_FIELD_CHARS))
    return cleaned


class KnowledgeAdmin:
    def __init__(self, knowledge_dir: Path, index_root: Path, scopes_path: Path, audit: AuditLog, *,
                 today: Callable[[], date] = date.today) -> None:
        self._knowledge = knowledge_dir
        self._protocols = knowledge_dir / PROTOCOLS
        self._index_root = index_root
        self._scopes_path = scopes_path
        self._audit = audit
        self._today = today
        self._lock = threading.Lock()  # one change at a time, so two uploads cannot both take a name
        # by name and fingerprint (a problem names its file): parsing a PDF is slow
        self._parsed: dict[tuple[str, str], _Read] = {}

    # --- what is there ---------------------------------------------------------------------------

    def documents(self) -> tuple[DocumentView, ...]:
        entries = self._catalogue()
        served = self._served()
        views = []
        for path in self._files():
            raw = path.read_bytes()
            sha = documents.fingerprint(raw)
            found = self._parsed.get((path.name, sha)) or self._parse(path.name, raw, sha)
            entry = entries.get(path.name, Entry(path.name))
            due = in_force.review_due(entry.review)
            views.append(DocumentView(path.name, entry, titles.named(entry, found.own), found.clauses, found.problem,
                                      due[0] if due and self._today() >= due[1] else None,
                                      _publication(served, path.name, sha, entry)))
        return tuple(views)

    def withdrawn(self) -> tuple[str, ...]:
        """Documents the served index still answers from that are no longer in the folder."""
        served = self._served()
        present = {p.name for p in self._files()}
        return tuple(sorted(set(served.documents) - present)) if served else ()

    # --- changes ---------------------------------------------------------------------------------

    def add(self, filename: str, data: bytes, *, by: str) -> str:
        name = safe_name(filename)
        check_size(name, len(data))
        with self._lock:
            if (self._protocols / name).exists():
                raise AdminRefused(messages.ADMIN_NAME_IN_USE.format(name=name))
            parsed = self._checked(name, data, replacing=None)
            self._write(self._protocols / name, data)
            self._audit.record(by, messages.AUDIT_ADDED.format(name=name, clauses=len(parsed.clauses)))
        return messages.ADMIN_ADDED.format(name=name, clauses=len(parsed.clauses))

    def replace(self, source: str, filename: str, data: bytes, *, by: str) -> str:
        """A newer version of `source`. In the same format it takes the document's name (so citations,
        corrections and scopes keep pointing at it, and the change report compares clause by clause);
        in another format it is added beside it, and `source` is marked superseded by it."""
        name = safe_name(filename)
        check_size(name, len(data))
        with self._lock:
            current = self._existing(source)
            if Path(name).suffix != current.suffix.lower():
                if (self._protocols / name).exists():
                    raise AdminRefused(messages.ADMIN_NAME_IN_USE.format(name=name))
                parsed = self._checked(name, data, replacing=None)
                superseded = self._catalogue_with(source, {"superseded_by": name})  # checked before anything is written
                self._write(self._protocols / name, data)
                self._write(self._knowledge / CATALOGUE, superseded)
                self._audit.record(by, messages.AUDIT_REPLACED_BESIDE.format(
                    name=name, clauses=len(parsed.clauses), old=source))
                return messages.ADMIN_REPLACED_BESIDE.format(name=name, clauses=len(parsed.clauses), old=source)
            if documents.fingerprint(data) == documents.fingerprint(current.read_bytes()):
                raise AdminRefused(messages.ADMIN_SAME_AS_CURRENT.format(name=source))
            parsed = self._checked(source, data, replacing=source)
            kept = self._move_to_retired(current)
            self._write(current, data)
            self._audit.record(by, messages.AUDIT_REPLACED.format(name=source, clauses=len(parsed.clauses), kept=kept))
        return messages.ADMIN_REPLACED.format(name=source, clauses=len(parsed.clauses), kept=kept)

    def edit(self, source: str, values: Mapping[str, str], *, by: str) -> str:
        """Set catalogue fields (those in EDITABLE) of a document; values are kept as plain text."""
        with self._lock:
            self._existing(source)
            entry = self._catalogue().get(source, Entry(source))
            cleaned = {key: field_value(key, values[key]) for key in EDITABLE if key in values}
            changed = {key: value for key, value in cleaned.items() if getattr(entry, key) != value}
            if not changed:
                return messages.ADMIN_UNCHANGED
            self._set_fields(source, changed)
            described = ", ".join(f"{key} “{value}”" for key, value in changed.items())
            self._audit.record(by, messages.AUDIT_EDITED.format(name=source, changes=described))
        return messages.ADMIN_EDITED.format(name=source)

    def supersede(self, source: str, successor: str, *, by: str) -> str:
        """Mark `source` superseded by `successor` (another document in the folder), or in force again ("")."""
        with self._lock:
            self._existing(source)
            if successor:
                self._existing(successor)
                if successor == source:
                    raise AdminRefused(messages.ADMIN_SUPERSEDED_BY_ITSELF)
                # follow the successor's own chain: a ring of any length would leave none of them in force
                entries, link = self._catalogue(), successor
                seen: set[str] = set()
                while link and link not in seen:
                    seen.add(link)
                    after = entries.get(link, Entry(link)).superseded_by
                    if after == source:
                        raise AdminRefused(messages.ADMIN_SUPERSEDE_CYCLE.format(name=source, successor=link))
                    link = after
            self._set_fields(source, {"superseded_by": successor})
            if successor:
                self._audit.record(by, messages.AUDIT_SUPERSEDED.format(name=source, successor=successor))
                return messages.ADMIN_SUPERSEDED.format(name=source, successor=successor)
            self._audit.record(by, messages.AUDIT_IN_FORCE.format(name=source))
        return messages.ADMIN_IN_FORCE_AGAIN.format(name=source)

    def retire(self, source: str, *, by: str) -> str:
        """Move a document to `retired/`; refused while the bot would stop or mislead without it."""
        with self._lock:
            path = self._existing(source)
            others = [p.name for p in self._files() if p.name != source]
            if not others:
                raise AdminRefused(messages.ADMIN_RETIRE_LAST.format(name=source))
            if self._scoped(source, [source, *others]):
                raise AdminRefused(messages.ADMIN_RETIRE_SCOPED.format(name=source, path=self._scopes_path.name))
            entries = self._catalogue()
            successors = [o for o in others if entries.get(o, Entry(o)).superseded_by == source]
            if successors:
                raise AdminRefused(messages.ADMIN_RETIRE_SUCCESSOR.format(name=source, others=", ".join(successors)))
            kept = self._move_to_retired(path)
            self._audit.record(by, messages.AUDIT_RETIRED.format(name=source, kept=kept))
        return messages.ADMIN_RETIRED.format(name=source, kept=kept)

    def restore_plan(self, manifest: Manifest) -> FolderRestore:
        """What `restore` would change to bring the folder back to what `manifest`'s version was built from."""
        return self._restore_steps(manifest)[0]

    def restore(self, manifest: Manifest, *, by: str) -> FolderRestore:
        """Bring the documents and catalogue back to what `manifest`'s version was built from, so the next
        publish builds that version again rather than what it replaced. Nothing is deleted: a file set aside
        moves to `retired/`, and a copy brought back from `retired/` stays there too."""
        with self._lock:
            plan, copies = self._restore_steps(manifest)
            contents = {name: path.read_bytes() for name, path in copies.items()}  # before anything moves
            entries = self._catalogue()
            updated: dict[str, dict[str, str]] = {}
            for source in plan.catalogue:
                served = manifest.documents[source].catalogue
                entry = entries.get(source, Entry(source))
                updated[source] = {f: getattr(served, f) for f in catalogue.FIELDS if getattr(entry, f) != getattr(served, f)}
            for name in plan.set_aside:
                kept = self._move_to_retired(self._protocols / name)
                self._audit.record(by, messages.AUDIT_RETIRED.format(name=name, kept=kept))
            for name in plan.brought_back:
                target = self._protocols / name
                if target.exists():
                    self._move_to_retired(target)
                self._write(target, contents[name])
                self._audit.record(by, messages.AUDIT_BROUGHT_BACK.format(name=name))
            for source, values in updated.items():
                self._set_fields(source, values)
                self._audit.record(by, messages.AUDIT_EDITED.format(
                    name=source, changes=", ".join(f"{key} “{value}”" for key, value in values.items())))
        return plan

    def keep_copies(self, version: str) -> None:
        """Keep, beside a version just published, the folder's files it was built from (those whose bytes
        are still the ones indexed: one changed since the build started is not what the version holds)."""
        manifest = index_store.manifest_of(self._index_root, version)
        with self._lock:
            built = [path for path in self._files() if path.name in manifest.documents
                     and documents.fingerprint(path.read_bytes()) == manifest.documents[path.name].sha256]
            index_store.keep_copies(self._index_root, version, built)

    def _restore_steps(self, manifest: Manifest) -> tuple[FolderRestore, dict[str, Path]]:
        present = {p.name: documents.fingerprint(p.read_bytes()) for p in self._files()}
        kept: dict[str, Path] = {}  # every copy the folder and retired/ hold, by fingerprint
        retired = self._knowledge / RETIRED
        for path in [*self._files(), *(documents.listed(retired) if retired.is_dir() else []),
                     *index_store.kept_copies(self._index_root)]:
            kept.setdefault(documents.fingerprint(path.read_bytes()), path)
        copies = {name: kept[record.sha256] for name, record in manifest.documents.items()
                  if present.get(name) != record.sha256 and record.sha256 in kept}
        missing = tuple(sorted(name for name, record in manifest.documents.items()
                               if present.get(name) != record.sha256 and record.sha256 not in kept))
        entries = self._catalogue()
        reset = tuple(sorted(name for name, record in manifest.documents.items()
                             if name not in missing and entries.get(name, Entry(name)) != record.catalogue))
        set_aside = tuple(sorted(set(present) - set(manifest.documents)))
        return FolderRestore(tuple(sorted(copies)), set_aside, reset, missing), copies

    # --- helpers ---------------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        return documents.listed(self._protocols) if self._protocols.is_dir() else []

    def _existing(self, source: str) -> Path:
        """The document called `source`, found among the folder's files: a name from a form is never a path."""
        for path in self._files():
            if path.name == source:
                return path
        raise AdminRefused(messages.ADMIN_NO_SUCH_DOCUMENT.format(name=one_line(source)))

    def _parse(self, name: str, raw: bytes, sha: str) -> _Read:
        try:
            with worded():
                document = documents.decode(name, raw)
                parsed = indexing.parse_document(document)
            found = _Read(len(parsed.clauses), None, titles.from_text(document.text))
        except DocumentError as problem:
            found = _Read(None, str(problem), titles.Named(""))
        self._parsed[(name, sha)] = found
        return found

    def _checked(self, name: str, data: bytes, *, replacing: str | None) -> indexing.ParsedDocument:
        """Read and parse an upload as a build would, and refuse a copy of another document, before it is saved."""
        with worded():
            parsed = indexing.parse_document(documents.decode(name, data))
        for path in self._files():
            if path.name != replacing and documents.fingerprint(path.read_bytes()) == parsed.sha256:
                raise DocumentError(messages.DOCUMENT_DUPLICATE.format(name=name, other=path.name))
        return parsed

    def _catalogue(self) -> dict[str, Entry]:
        path = self._knowledge / CATALOGUE
        if not path.is_file():
            return {}
        with worded():
            return catalogue.load(path)

    def _set_fields(self, source: str, values: Mapping[str, str]) -> None:
        self._write(self._knowledge / CATALOGUE, self._catalogue_with(source, values))

    def _catalogue_with(self, source: str, values: Mapping[str, str]) -> bytes:
        """The catalogue file as it would be with these fields set, checked to read back as them."""
        path = self._knowledge / CATALOGUE
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        updated = catalogue.with_fields(text, source, values)
        # a hand-written file can hold what a line-by-line edit would misread; never save a worse one
        try:
            with worded():
                written = catalogue.parse(updated, CATALOGUE).get(source)
        except DocumentError as problem:
            raise AdminRefused(messages.ADMIN_CATALOGUE_UNSAFE.format(detail=problem)) from problem
        if written is None or any(getattr(written, key) != value for key, value in values.items()):
            raise AdminRefused(messages.ADMIN_CATALOGUE_UNSAFE.format(detail=source))
        return updated.encode("utf-8")

    def _move_to_retired(self, path: Path) -> str:
        retired = self._knowledge / RETIRED
        retired.mkdir(exist_ok=True)
        target = retired / path.name
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            target = retired / f"{path.stem}.{stamp}{path.suffix}"
        os.replace(path, target)
        return target.name

    def _scoped(self, source: str, known: list[str]) -> bool:
        if not self._scopes_path.is_file():
            return False
        scopes = Scopes.load(self._scopes_path, known)
        return any(scope.documents is not None and source in scope.documents
                   for places in scopes.table.values() for scope in places.values())

    def _served(self) -> Manifest | None:
        try:
            return index_store.read_manifest(self._index_root)
        except ProtocolBotError:
            return None  # an unreadable index serves nothing: everything waits for a reindex

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Write beside the target under a name builds never read, then rename: a build sees the old
        file or the new one, never half of one."""
        handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".admin-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise


def _publication(served: Manifest | None, source: str, sha: str, entry: Entry) -> Publication:
    record = served.documents.get(source) if served else None
    if record is None:
        return Publication.NEW
    if record.sha256 != sha:
        return Publication.CHANGED
    if record.catalogue != entry:
        return Publication.CATALOGUE_CHANGED
    return Publication.PUBLISHED
