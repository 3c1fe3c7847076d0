"""Write knowledge/not_covered_questions.toml, and check the margin it is weighed with.

    .venv/bin/python bench/not_covered_questions.py            # writes the file from the training folders
    .venv/bin/python bench/not_covered_questions.py --check    # the trade-off, each folder left out in turn

The questions are the training folders' out-of-scope questions (bench/data/train/*/oos.jsonl): written by
helpers after reading a folder's documents, as things people would ask that those documents leave
unanswered. At every reindex each is checked against the documents being indexed (bot/core/indexing.py):
one they address declines nothing.

`--check` scores each training folder with the questions of the other folders only (four folds), so a
folder's own questions never decline themselves, and prints, for several margins, the share of
out-of-scope questions declined and of answerable ones wrongly declined; then the development sets, with
every question. The shipped margin is Calibration.unanswered_margin (bot/core/answering.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sets import DATA, EvalSet, all_sets, prepare, sentence_vectors, training_sets  # noqa: E402
from bot.bootstrap import embedder  # noqa: E402
from bot.core import index_store, indexing  # noqa: E402
from bot.core.answering import Calibration, addressed_at  # noqa: E402
from bot.core.embedding import Embedder  # noqa: E402
from bot.core.lexical import Glossary  # noqa: E402
from bot.core.retrieval import Retriever  # noqa: E402
from bot.question import clean  # noqa: E402
from bot.settings import Settings  # noqa: E402
from knowledge.not_covered import QUESTIONS_FILE, Ask, Topic  # noqa: E402

MARGINS = (0.12, 0.16, 0.2, 0.24)
FOLDS = 4
HEADER = """\
# Questions people ask a council bot that governance documents often leave unanswered. Written by
# bench/not_covered_questions.py from the training folders' out-of-scope questions: do not edit by hand
# (add your council's own subjects to not_covered.toml instead). At every reindex each is checked against
# your documents: one they answer declines nothing.
"""


def folders() -> list[Path]:
    """The training folders that have out-of-scope questions."""
    return sorted(p for p in (DATA / "train").iterdir() if (p / "oos.jsonl").is_file())


def questions(chosen: list[Path]) -> list[str]:
    found = {" ".join(json.loads(line)["question"].split()) for folder in chosen
             for line in (folder / "oos.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    return sorted(found)


def write(path: Path, asked: list[str]) -> None:
    lines = "".join(f"  {json.dumps(q, ensure_ascii=False)},\n" for q in asked)
    path.write_text(f"{HEADER}\n[{Ask.DOCUMENTS_MAY_NOT_ANSWER.value}]\ntopics = [\n{lines}]\n", encoding="utf-8")


def outcomes(eval_set: EvalSet, asked: list[str], settings: Settings, model: Embedder) -> list[tuple[bool, bool, float]]:
    """Per question: out of scope?, declined without these questions?, how much nearer the closest of them
    (those the set's documents do not address) is than the best sentence."""
    knowledge, root = prepare(eval_set, settings, model)
    data = index_store.read(root)
    vectors = model.encode(asked)
    topics = tuple(Topic(q, Ask.DOCUMENTS_MAY_NOT_ANSWER) for q in asked)
    vectors = vectors[indexing.topics_in_force(topics, vectors, sentence_vectors(data), addressed_at(model.name))]
    retriever = Retriever(data, Glossary.load(knowledge / "glossary.toml"))
    without = replace(Calibration.for_model(model.name), unanswered_margin=np.inf)
    out = []
    for question in eval_set.load():
        vector = model.encode_one(clean(question.question).text)
        ranking = retriever.search(question.question, vector, None)
        nearest = float((vectors @ vector).max()) if len(vectors) else -1.0
        out.append((question.out_of_scope, not without.covers(ranking), nearest - ranking.best_similarity))
    return out


def report(name: str, rows: list[tuple[bool, bool, float]]) -> None:
    def shares(margin: float) -> str:
        declined = [base or gap > margin for _, base, gap in rows]
        oos = [d for (out, _, _), d in zip(rows, declined, strict=True) if out]
        answerable = [d for (out, _, _), d in zip(rows, declined, strict=True) if not out]
        return f"{np.mean(oos) if oos else 0:4.0%} / {np.mean(answerable):4.1%}"
    print(f"  {name:16} without {shares(np.inf)}   " + "   ".join(f"{m:.2f}: {shares(m)}" for m in MARGINS))


def check(settings: Settings, model: Embedder) -> None:
    print("declined out of scope / wrongly declined answerable, by margin")
    training = folders()
    sets = {s.name: s for s in training_sets()}
    pooled: list[tuple[bool, bool, float]] = []
    for fold in range(FOLDS):
        held = training[fold::FOLDS]
        asked = questions([f for f in training if f not in held])
        for folder in held:
            rows = outcomes(sets[f"train-{folder.name}"], asked, settings, model)
            pooled += rows
            report(f"train-{folder.name}", rows)
    report("training, pooled", pooled)
    asked = questions(training)
    for eval_set in all_sets(settings):
        if "beside" not in eval_set.name:
            report(eval_set.name, outcomes(eval_set, asked, settings, model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the trade-off instead of writing the file")
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.check:
        check(settings, embedder(settings))
        return
    training = folders()
    asked = questions(training)
    write(settings.knowledge_dir / QUESTIONS_FILE, asked)
    print(f"{len(asked)} questions from {len(training)} folders written to {settings.knowledge_dir / QUESTIONS_FILE}")


if __name__ == "__main__":
    main()
