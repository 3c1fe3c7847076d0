"""Choose the abstention threshold for the configured model from our own questions.

    .venv/bin/python bench/calibrate.py

Uses bench/data/own_questions.jsonl and own_out_of_scope.jsonl (written for this purpose, separate
from the development set) plus ../shared/eval/dev.jsonl, and prints the highest best-sentence
similarity threshold that keeps false abstention at or below 5%, with the abstention it gives.
Record the result in bot/compose.py's THRESHOLDS.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot import evaluation, index_store
from bot.bootstrap import embedder
from bot.compose import best_similarity
from bot.lexical import Glossary
from bot.retrieval import Retriever
from bot.settings import PROJECT_ROOT, Settings

SETS = [
    PROJECT_ROOT / "bench" / "data" / "own_questions.jsonl",
    PROJECT_ROOT / "bench" / "data" / "own_out_of_scope.jsonl",
    PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl",
]
MAX_FALSE_ABSTENTION = 0.05


def main() -> None:
    settings = Settings.from_env()
    model = embedder(settings)
    data = index_store.read(settings.index_root)
    retriever = Retriever(data, Glossary.load(settings.knowledge_dir / "glossary.toml"))
    answerable: list[float] = []
    unanswerable: list[float] = []
    for path in (p for p in SETS if p.is_file()):
        for q in evaluation.load(path):
            best = best_similarity(retriever.search(q.question, model.encode_one(q.question), None))
            (unanswerable if q.out_of_scope else answerable).append(best)
    pos, neg = np.array(answerable), np.array(unanswerable)
    chosen = max(
        (t for t in np.arange(0.0, 1.0, 0.005) if (pos < t).mean() <= MAX_FALSE_ABSTENTION),
        default=0.0,
    )
    print(f"model {model.name}: {len(pos)} answerable, {len(neg)} out-of-scope questions")
    print(f"threshold {chosen:.3f}: abstains on {(neg < chosen).mean():.1%} of out-of-scope questions, "
          f"wrongly on {(pos < chosen).mean():.1%} of answerable ones")


if __name__ == "__main__":
    main()
