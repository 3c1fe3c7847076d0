"""The question sets the benchmarks score, each over the documents its questions are about.

- dev: ../shared/eval/dev.jsonl on the shipped protocols (the development set; it overstates quality)
- own: bench/data/own_*.jsonl on the shipped protocols (written from the documents, harder on purpose)
- unseen-a, unseen-b: two sets of eight fictional councils' protocols in the layouts real councils
  publish (bench/data/unseen-*/NOTES.md), each with its own questions, written without sight of the
  code. unseen-a informed choices (calibration, method); unseen-b is kept for checking them.
- unseen-c1 … unseen-c4: four groups of three longer governance documents of fictional councils (codes
  of conduct, standing orders, complaints, local resolution, data protection, a social media strategy
  ...), 90 + 20 questions each (an out-of-scope question is out of scope for its own group's documents),
  written later like the training folders but never trained on; they informed the parser's
  page-furniture and lost-numbering rules.
- unseen-a beside shipped: unseen-a's questions with the five shipped protocols indexed too, as
  when a council adds its own protocol next to the shipped ones.
- real-councils, real-full: ../shared/eval/real-councils (openings of twelve councils' published
  protocols) and ../shared/eval/real-full (ten whole governance documents of five councils). Real
  text in real layouts: the main signal for how the method generalises. Each alone, as a council
  deploying its own documents would, and beside the shipped protocols.

Each set gets its own knowledge folder and index under $PROTOCOL_BOT_HOME/bench/, built with the
project's glossary and not-covered topics and the shared embedding cache, so a rerun is quick.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core import evaluation, index_store, indexing
from bot.core.embedding import Embedder
from bot.settings import PROJECT_ROOT, Settings

DATA = PROJECT_ROOT / "bench" / "data"
SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
SHARED_DEV = SHARED_EVAL / "dev.jsonl"
KNOWLEDGE_FILES = ("catalogue.toml", "glossary.toml", "not_covered.toml", "not_covered_questions.toml")


@dataclass(frozen=True)
class EvalSet:
    name: str
    documents: tuple[Path, ...]  # folders of protocol documents
    questions: tuple[Path, ...]

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-")

    def load(self) -> list[evaluation.EvalQuestion]:
        return [q for path in self.questions for q in evaluation.load(path)]


def all_sets(settings: Settings) -> list[EvalSet]:
    shipped = settings.knowledge_dir / "protocols"
    unseen_a, unseen_b = DATA / "unseen-a", DATA / "unseen-b"
    sets = [
        EvalSet("dev", (shipped,), (SHARED_DEV,)),
        EvalSet("own", (shipped,), (DATA / "own_questions.jsonl", DATA / "own_out_of_scope.jsonl")),
        EvalSet("unseen-a", (unseen_a / "protocols",), (unseen_a / "questions.jsonl",)),
        EvalSet("unseen-b", (unseen_b / "protocols",), (unseen_b / "questions.jsonl",)),
        EvalSet("unseen-a beside shipped", (shipped, unseen_a / "protocols"), (unseen_a / "questions.jsonl",)),
    ]
    for real in ("real-councils", "real-full"):
        folder = SHARED_EVAL / real
        sets.append(EvalSet(real, (folder / "docs",), (folder / "questions.jsonl",)))
        sets.append(EvalSet(f"{real} beside shipped", (shipped, folder / "docs"), (folder / "questions.jsonl",)))
    return [s for s in sets if all(p.is_file() for p in s.questions)]


def training_sets() -> list[EvalSet]:
    """bench/data/train/*: written for training the question tuning and choosing abstention settings,
    never scored (bench/data/train/README.md)."""
    folders = sorted(p for p in (DATA / "train").iterdir() if (p / "questions.jsonl").is_file())
    return [EvalSet(f"train-{f.name}", (f / "docs",), tuple(q for q in (f / "questions.jsonl", f / "oos.jsonl")
                                                            if q.is_file())) for f in folders]


def encoder_training_sets() -> list[EvalSet]:
    """What the councils' adapter learns from (bench/train_encoder.py): the training folders and the four unseen-c
    groups, longer documents written the same way, which are therefore no longer scored (bench/data/unseen-c/NOTES.md)."""
    groups = sorted(g for g in (DATA / "unseen-c").iterdir() if g.is_dir())
    return training_sets() + [EvalSet(f"unseen-{g.name}", (g / "protocols",), (g / "questions.jsonl",)) for g in groups]


def sentence_vectors(data: index_store.IndexData) -> np.ndarray:
    """Every sentence and item vector of an index, in row order."""
    return np.asarray(data.piece_vectors.reconstruct_n(0, len(data.pieces)))


def gold_pieces(data: index_store.IndexData, question: evaluation.EvalQuestion) -> np.ndarray:
    """Which sentences and items of an index belong to a clause holding the question's gold snippet."""
    answering = np.array([evaluation.holds(c.source, c.text, question.gold) for c in data.clauses], dtype=bool)
    return answering[np.array([p.clause for p in data.pieces], dtype=np.int64)]


def prepare(eval_set: EvalSet, settings: Settings, embedder: Embedder) -> tuple[Path, Path]:
    """Build the set's index (embedding only text the cache lacks); its knowledge folder and index root."""
    base = settings.home / "bench" / eval_set.slug
    knowledge = base / "knowledge"
    shutil.rmtree(knowledge, ignore_errors=True)
    (knowledge / "protocols").mkdir(parents=True)
    for name in KNOWLEDGE_FILES:
        if (settings.knowledge_dir / name).is_file():
            shutil.copy(settings.knowledge_dir / name, knowledge / name)
    for folder in eval_set.documents:
        for document in folder.iterdir():
            if document.is_file():
                shutil.copy(document, knowledge / "protocols" / document.name)
    indexing.build(knowledge, base / "index", embedder, settings.embedding_cache, keep=1)
    return knowledge, base / "index"
