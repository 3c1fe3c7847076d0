"""Retrieval quality of Protocol Bot beside plain BM25 and plain dense baselines, in one run.

    .venv/bin/python bench/quality.py [QUESTIONS.jsonl ...]

Defaults to ../shared/eval/dev.jsonl and our own questions in bench/data/. All three systems
share the built index (`make index`) and the configured model; only the scoring differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot import evaluation
from bot.bootstrap import embedder
from bot.compose import Calibration
from bot.retrieval import Weights
from bot.service import IndexedProtocolBot
from bot.settings import PROJECT_ROOT, Settings

SYSTEMS = {
    "plain BM25": Weights(clause=0.0, piece=0.0, lexical=1.0, related_terms=0.0),
    "plain dense (clauses)": Weights(clause=1.0, piece=0.0, lexical=0.0),
    "Protocol Bot (hybrid)": Weights(),
}
DEFAULT_SETS = [
    PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl",
    PROJECT_ROOT / "bench" / "data" / "own_questions.jsonl",
    PROJECT_ROOT / "bench" / "data" / "own_out_of_scope.jsonl",
]


def main(paths: list[Path]) -> None:
    settings = Settings.from_env()
    shared = embedder(settings)
    bots = {
        name: IndexedProtocolBot(settings.knowledge_dir, settings.index_root, settings.embedding_cache, shared,
                                 weights=w, calibration=Calibration.for_model(shared.name))
        for name, w in SYSTEMS.items()
    }
    for path in paths:
        if not path.is_file():
            print(f"(skipping {path}: not found)")
            continue
        questions = evaluation.load(path)
        print(f"\n== {path.name}: {len(questions)} questions, model {shared.name}")
        for name, bot in bots.items():
            scores = evaluation.score(evaluation.run(questions, bot.ask))
            print(f"-- {name}\n{scores.report()}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT_SETS)
