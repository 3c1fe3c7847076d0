"""Retrieval quality on every question set, beside plain BM25 and plain dense, in one run.

    .venv/bin/python bench/quality.py            # the configured model (PROTOCOL_BOT_MODEL)
    .venv/bin/python bench/quality.py --only real-full --extra ../heldout/full   # a set of your own too

An extra set is a folder holding `docs/` (the documents, indexed alone) and `questions.jsonl` (in the
format of ../shared/eval/dev.jsonl): how a set held out of development is scored.

For each set in bench/sets.py: Recall@1/@3, MRR@10 and how often the quote of a right first
citation holds the answer, for three systems sharing one index; and, for Protocol Bot, the share
of out-of-scope questions declined and of answerable ones wrongly declined.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sets import EvalSet, all_sets, prepare  # noqa: E402
from bot.bootstrap import embedder  # noqa: E402
from bot.core import evaluation  # noqa: E402
from bot.core.answering import Calibration  # noqa: E402
from bot.core.question_tuning import QuestionTuning  # noqa: E402
from bot.core.retrieval import Weights  # noqa: E402
from bot.service.protocol_bot import IndexedProtocolBot  # noqa: E402
from bot.settings import Settings  # noqa: E402

SYSTEMS = {
    "plain BM25": Weights(clause=0.0, piece=0.0, lexical=1.0, related_terms=0.0),
    "plain dense": Weights(clause=1.0, piece=0.0, lexical=0.0),
    "Protocol Bot": Weights(),
}
HEADER = f"{'set':24} {'system':13} {'R@1':>6} {'R@3':>6} {'MRR@10':>7} {'quote':>6}   {'declined':>8} {'false':>6}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="score only the named set (repeatable)")
    parser.add_argument("--extra", action="append", default=[], type=Path,
                        help="also score a folder with docs/ and questions.jsonl (repeatable)")
    args = parser.parse_args()
    settings = Settings.from_env()
    model = embedder(settings)
    print(f"model {model.name}\n{HEADER}")
    sets = [s for s in all_sets(settings) if not args.only or s.name in args.only]
    sets += [EvalSet(folder.name, (folder / "docs",), (folder / "questions.jsonl",)) for folder in args.extra]
    for eval_set in sets:
        knowledge, index = prepare(eval_set, settings, model)
        questions = eval_set.load()
        answerable = sum(not q.out_of_scope for q in questions)
        for name, weights in SYSTEMS.items():
            bot = IndexedProtocolBot(knowledge, index, settings.embedding_cache, model, weights=weights,
                                     calibration=Calibration.for_model(model.name),
                                     tuning=None if name == "Protocol Bot" else QuestionTuning(None))
            s = evaluation.score(evaluation.run(questions, bot.ask))
            abstention = (f"{s.abstention:8.0%} {s.false_abstention:6.0%}" if name == "Protocol Bot" and s.unanswerable
                          else f"{'':8} {s.false_abstention:6.0%}" if name == "Protocol Bot" else "")
            label = f"{eval_set.name} ({answerable}+{len(questions) - answerable})" if name == "plain BM25" else ""
            print(f"{label:24} {name:13} {s.recall[1]:6.3f} {s.recall[3]:6.3f} {s.mrr10:7.3f} {s.quote:6.0%}   {abstention}")


if __name__ == "__main__":
    main()
