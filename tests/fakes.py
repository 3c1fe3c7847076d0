"""Fakes that subclass the core's port, for testing front ends without a model or an index."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import numpy as np

from bot import messages
from bot.answer import Answer, Citation, Scope
from bot.core.corrections import Correction
from bot.core.embedding import Embedder
from bot.core.lexical import tokens
from bot.errors import CorrectionError
from bot.service.conversation import Conversation
from bot.service.ports import ProtocolBot
from bot.service.scopes import Scopes
from bot.status import DocumentInfo, IndexStatus, ReindexResult
from bot.stores.conversation import ConversationState
from bot.stores.feedback import FeedbackStore
from bot.stores.sql_conversation import SqlConversationState
from tests.background import WAIT_SECONDS

DOCS = (
    DocumentInfo("000_071d258fd975c70b.txt", "Councillor-Officer Protocol", "Ilminster Town Council",
                 "17 January 2023", "July 2028", 120),
    DocumentInfo("004_fbcb302b638d596d.txt", "Member / Officer Protocol (Code of Conduct)", "", "October 2024",
                 "October 2025", 40),
)

COPY_EMAIL = Citation(
    source=DOCS[0].source,
    council=DOCS[0].council,
    title=DOCS[0].title,
    clause=None,
    heading="CORRESPONDENCE",
    quote="Correspondence between an individual councillor and an officer should not normally be copied "
    "(by the officer) to any other councillor.",
    text="Correspondence between an individual councillor and an officer should not normally be copied "
    "(by the officer) to any other councillor. Where exceptionally it is appropriate to provide a copy to "
    "another councillor, this should be made clear to the original councillor.",
    score=0.71,
)
INSTRUCTIONS = Citation(
    source=DOCS[1].source,
    council=DOCS[1].council,
    title=DOCS[1].title,
    clause="20",
    heading="Relationships between Members & Officers",
    quote="Members should not put pressure on an Officer with regard to matters which have been delegated.",
    text="Members should not put pressure on an Officer with regard to matters which have been delegated for "
    "Officer decision under the Scheme of Delegation to Officers.",
    score=0.55,
)


class FakeProtocolBot(ProtocolBot):
    """Answers from two canned clauses; 'bin', 'poem' and 'weather' questions are out of scope.

    Records every question and scope so tests can assert on what a front end asked.
    """

    def __init__(self, *, fail_with: Exception | None = None, reindex_fails_with: Exception | None = None) -> None:
        self.asked: list[tuple[str, Scope | None]] = []
        self.reindexed = 0
        self.taught: list[Correction] = []
        self.fail_with = fail_with
        self.reindex_fails_with = reindex_fails_with

    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        self.asked.append((question, scope))
        if self.fail_with is not None:
            raise self.fail_with
        lowered = question.lower()
        if any(word in lowered for word in ("bin", "poem", "weather")):
            return Answer(question, True, messages.OUT_OF_SCOPE, (), (COPY_EMAIL, INSTRUCTIONS))
        return Answer(question, False, messages.LEAD_ANSWER_MANY, (COPY_EMAIL, INSTRUCTIONS),
                      (COPY_EMAIL, INSTRUCTIONS))

    def documents(self) -> tuple[DocumentInfo, ...]:
        return DOCS

    def status(self) -> IndexStatus:
        return IndexStatus("v-test", "2026-11-23T20:00:00+00:00", "fake-model", DOCS, None)

    def reindex(self) -> ReindexResult:
        if self.reindex_fails_with is not None:
            raise self.reindex_fails_with
        self.reindexed += 1
        return ReindexResult("v-test-2", "2 documents, 160 clauses; no changes.")

    def teach(self, question: str, *, by: str, source: str | None = None, clause: str | None = None,
              quote: str | None = None, not_covered: bool = False) -> Correction:
        if source is not None and source not in {d.source for d in DOCS}:
            raise CorrectionError(messages.TEACH_UNKNOWN_SOURCE.format(source=source, documents="…"))
        taught = Correction(question, by, "2026-12-02T09:00:00+00:00", source, clause, quote, not_covered)
        self.taught.append(taught)
        return taught

    def corrections(self) -> tuple[tuple[Correction, bool], ...]:
        return tuple((c, True) for c in self.taught)

    def forget(self, number: int) -> Correction:
        if not 1 <= number <= len(self.taught):
            raise CorrectionError(messages.TEACH_NO_SUCH.format(number=number))
        return self.taught.pop(number - 1)


class GatedBot(FakeProtocolBot):
    """Holds answers and reindexes until the test opens their gates (bounded, so nothing hangs)."""

    def __init__(self, *, answering: bool = False) -> None:
        super().__init__()
        self.answering = threading.Event()
        self.reindexing = threading.Event()
        if answering:
            self.answering.set()

    def ask(self, question: str, scope: Scope | None = None) -> Answer:
        assert self.answering.wait(WAIT_SECONDS)
        return super().ask(question, scope)

    def reindex(self) -> ReindexResult:
        assert self.reindexing.wait(WAIT_SECONDS)
        return super().reindex()


class HashingEmbedder(Embedder):
    """Bag-of-stemmed-words vectors: similar wording gives similar vectors, with no model to load."""

    name = "hashing-test-embedder"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls = 0  # texts embedded
        self.batches = 0  # calls to encode: a model's fixed cost is paid per batch

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.calls += len(texts)
        self.batches += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokens(text):
                out[row, zlib.crc32(token.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def conversation(core: ProtocolBot, feedback: FeedbackStore, *, admins: frozenset[str] = frozenset(),
                 scopes: Scopes | None = None, state: ConversationState | None = None) -> Conversation:
    """The real conversation layer over a fake core, with its state in memory unless given."""
    return Conversation(core, admins=admins, scopes=scopes or Scopes(), feedback=feedback,
                        state=state or SqlConversationState(":memory:"))


def only_documents(knowledge: Path, documents: dict[str, str]) -> None:
    """Leave a test's copy of the knowledge folder holding just these documents (file name -> text)."""
    for old in (knowledge / "protocols").iterdir():
        old.unlink()
    for name, text in documents.items():
        (knowledge / "protocols" / name).write_text(text, encoding="utf-8")


def mark_superseded(knowledge: Path, old: str, new: str) -> None:
    """Mark `old` superseded by `new` in a test's own copy of the catalogue, as an admin would."""
    catalogue = knowledge / "catalogue.toml"
    text = catalogue.read_text(encoding="utf-8")
    assert f'["{old}"]\n' in text
    catalogue.write_text(text.replace(f'["{old}"]\n', f'["{old}"]\nsuperseded_by = "{new}"\n'), encoding="utf-8")
