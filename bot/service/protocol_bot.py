"""The ProtocolBot the front ends talk to: an index on disk, an embedder, and hot reload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot import messages
from bot.answer import Answer, Scope
from bot.core import councils_named, document_status, in_force, index_store, indexing, titles
from bot.core.answering import Calibration, compose
from bot.core.corrections import Correction
from bot.core.embedding import Embedder
from bot.core.index_store import KEEP_VERSIONS, IndexData
from bot.core.lexical import Glossary
from bot.core.question_tuning import QuestionTuning
from bot.core.retrieval import Retriever, Weights
from bot.core.teaching import Teaching
from bot.core.vector_index import EXACT_UP_TO
from bot.errors import DocumentError, IndexUnavailable, ReindexFailed
from bot.question import clean
from bot.service.ports import ProtocolBot
from bot.status import DocumentInfo, IndexStatus, ReindexResult
from bot.stores.build_lock import BuildLock, LocalBuildLock
from bot.stores.corrections import CorrectionsStore
from bot.stores.file_corrections import FILE_NAME as CORRECTIONS_FILE
from bot.stores.file_corrections import FileCorrections
from bot.stores.sql_embedding_cache import CacheAt


@dataclass(frozen=True)
class _Loaded:
    data: IndexData
    retriever: Retriever
    councils: dict[str, str]  # each document's council, by file name ("" where it states none)
    place_words: frozenset[str]  # the words of those councils' place names, as questions are compared


class IndexedProtocolBot(ProtocolBot):
    def __init__(
        self,
        knowledge_dir: Path,
        index_root: Path,
        cache: CacheAt,  # the embedding cache: its SQLite file, or the PostgreSQL database replicas share
        embedder: Embedder,
        *,
        weights: Weights = Weights(),
        calibration: Calibration = Calibration(),
        keep_versions: int = KEEP_VERSIONS,
        exact_up_to: int = EXACT_UP_TO,
        today: Callable[[], date] = date.today,  # tests set the date review notes are judged on
        build_progress: bool = False,  # a progress bar while a reindex embeds (the terminal's)
        build_lock: BuildLock | None = None,  # shared by replicas (bot/stores/build_lock.py); this process's alone if None
        tuning: QuestionTuning | None = None,  # how questions are moved for ranking; None: the model's shipped one
        corrections: CorrectionsStore | None = None,  # admins' corrections; None: corrections.toml in the knowledge folder
    ) -> None:
        self._knowledge_dir = knowledge_dir
        self._index_root = index_root
        self._cache = cache
        self._embedder = embedder
        self._weights = weights
        self._calibration = calibration
        self._keep_versions = keep_versions
        self._exact_up_to = exact_up_to
        self._today = today
        self._build_progress = build_progress
        self._glossary = Glossary.load(knowledge_dir / "glossary.toml")
        self._tuning = tuning or QuestionTuning.for_model(embedder.name)
        self._corrections = corrections or FileCorrections(knowledge_dir / CORRECTIONS_FILE)
        self._teaching = Teaching(self._corrections, embedder)
        self._loaded: _Loaded | None = None
        self._load_lock = threading.Lock()
        self._build_lock = build_lock or LocalBuildLock()

    def _current(self) -> _Loaded:
        """The index CURRENT points at; a new version is loaded fully before it replaces the old."""
        version = index_store.current_version(self._index_root)
        loaded = self._loaded
        if loaded is not None and loaded.data.version == version:
            return loaded
        with self._load_lock:
            if self._loaded is None or self._loaded.data.version != version:
                data = index_store.read(self._index_root)
                built_with = data.manifest.model
                if built_with != self._embedder.name:
                    # Vectors of two models are not comparable: answering would be nonsense, or a crash.
                    raise IndexUnavailable(messages.INDEX_OTHER_MODEL.format(built=built_with, model=self._embedder.name))
                councils = {source: titles.recorded(record).council for source, record in data.manifest.documents.items()}
                self._loaded = _Loaded(data, Retriever(data, self._glossary, self._weights), councils,
                                       document_status.place_words(councils.values()))
            return self._loaded

    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        cleaned = clean(question)
        loaded = self._current()
        vector = self._embedder.encode_one(cleaned.text)
        allowed = in_force.allowed_sources(loaded.data.manifest.documents, scope)
        ranking = loaded.retriever.search(cleaned.text, vector, allowed, self._teaching.taught(loaded.data),
                                          ranked_by=self._tuning(vector),
                                          ranked_among=councils_named.narrowed(cleaned.text, loaded.councils, allowed))
        return compose(cleaned, ranking, loaded.data, self._calibration, self._today(), loaded.place_words)

    def documents(self) -> tuple[DocumentInfo, ...]:
        return self.status().documents

    def status(self) -> IndexStatus:
        data = self._current().data
        manifest = data.manifest
        docs = tuple(DocumentInfo(source, d.catalogue.title, d.catalogue.council, d.catalogue.adopted, d.catalogue.review,
                                  d.clauses) for source, d in manifest.documents.items())
        problem = self._corrections.problem
        notes = self._teaching.stale(data) + ([problem] if problem else [])
        return IndexStatus(manifest.version, manifest.built_at, manifest.model, docs, data.change_report, tuple(notes))

    def reindex(self) -> ReindexResult:
        with self._build_lock.hold() as held:
            if not held:
                raise ReindexFailed(messages.REINDEX_BUSY_ELSEWHERE)
            try:
                report = indexing.build(self._knowledge_dir, self._index_root, self._embedder, self._cache,
                                        keep=self._keep_versions, exact_up_to=self._exact_up_to,
                                        progress=self._build_progress)
            except DocumentError as exc:
                raise ReindexFailed(messages.REINDEX_FAILED.format(reason=exc)) from exc
        # corrections follow the documents: re-pointed where a clause was reworded, reported where it is gone
        notes = self._teaching.follow(self._current().data)
        return ReindexResult(report.version, "\n".join([report.summary(), *notes]))

    def candidate(self, scratch: Path) -> IndexedProtocolBot:
        """The documents as they are in the folder, indexed in `scratch` with this bot's model, cache and
        corrections: what a publish would serve, to compare before publishing. DocumentError when one would fail."""
        indexing.build(self._knowledge_dir, scratch, self._embedder, self._cache, keep=1,
                       exact_up_to=self._exact_up_to)
        return IndexedProtocolBot(self._knowledge_dir, scratch, self._cache, self._embedder, weights=self._weights,
                                  calibration=self._calibration, keep_versions=1, exact_up_to=self._exact_up_to,
                                  today=self._today, tuning=self._tuning, corrections=self._corrections)

    def teach(self, question: str, *, by: str, source: str | None = None, clause: str | None = None,
              quote: str | None = None, not_covered: bool = False) -> Correction:
        return self._teaching.teach(self._current().data, question, by=by, source=source, clause=clause, quote=quote,
                                    not_covered=not_covered)

    def corrections(self) -> tuple[tuple[Correction, bool], ...]:
        return self._teaching.listing(self._current().data)

    def forget(self, number: int) -> Correction:
        return self._teaching.forget(number)
