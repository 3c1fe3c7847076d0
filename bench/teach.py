"""What admins' corrections do: the taught questions, other wordings of them, and everything else.

    .venv/bin/python bench/teach.py [--thresholds 0.6 0.65 0.7 0.72 0.75 0.8]

bench/data/teach/taught.jsonl holds the questions of our own and the unseen-a sets the bot missed
(no right clause in its first three). A correction is taught for each, in its own wording, pointing at
its gold clause. Then three groups are scored before and after:
- the taught wordings themselves (Recall@1 should become 1.0);
- two other wordings of each (paraphrases.jsonl, written by a helper who had not seen the method):
  how far a correction generalises;
- every other question of those sets, and unrelated.jsonl (other topics in the same documents):
  what a correction must not disturb.
The corrected question's similarity threshold (bot/core/retrieval.py TAUGHT_SIMILARITY) is the one
setting; the run is repeated for each threshold given.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sets import DATA, all_sets, prepare  # noqa: E402
from bot.bootstrap import embedder  # noqa: E402
from bot.core import evaluation, retrieval  # noqa: E402
from bot.core.answering import Calibration  # noqa: E402
from bot.service.protocol_bot import IndexedProtocolBot  # noqa: E402
from bot.settings import Settings  # noqa: E402

TEACH = DATA / "teach"
SETS = ("own", "unseen-a")


def recall(questions: list[evaluation.EvalQuestion], ask: Callable[[str], object], k: int) -> float:
    outcomes = evaluation.run(questions, ask)  # type: ignore[arg-type]
    hits = [o for o in outcomes if o.rank is not None and o.rank <= k]
    return len(hits) / len(outcomes) if outcomes else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[retrieval.TAUGHT_SIMILARITY])
    parser.add_argument("--floors", type=float, nargs="+", default=[retrieval.TAUGHT_FLOOR])
    parser.add_argument("--margins", type=float, nargs="+", default=[retrieval.TAUGHT_MARGIN])
    args = parser.parse_args()
    settings = Settings.from_env()
    model = embedder(settings)
    taught_rows = {q.id: q for q in evaluation.load(TEACH / "taught.jsonl")}
    paraphrases = evaluation.load(TEACH / "paraphrases.jsonl")
    unrelated_extra = evaluation.load(TEACH / "unrelated.jsonl")
    set_of = {row.id: name for name in SETS for s in all_sets(settings) if s.name == name for row in s.load()}
    bots: dict[str, IndexedProtocolBot] = {}
    others: dict[str, list[evaluation.EvalQuestion]] = {}
    for eval_set in (s for s in all_sets(settings) if s.name in SETS):
        knowledge, index = prepare(eval_set, settings, model)
        bots[eval_set.name] = IndexedProtocolBot(knowledge, index, settings.embedding_cache, model,
                                                 calibration=Calibration.for_model(model.name))
        others[eval_set.name] = [q for q in eval_set.load() if not q.out_of_scope and q.id not in taught_rows]
    extra_sources = {name: {p.name for d in s.documents for p in d.iterdir()}
                     for s in all_sets(settings) if (name := s.name) in SETS}
    for q in unrelated_extra:
        home = next(name for name, sources in extra_sources.items() if q.gold[0][0] in sources)
        others[home].append(q)

    def score(group: Callable[[str], list[evaluation.EvalQuestion]], k: int) -> float:
        per_set = [(len(group(name)), recall(group(name), bots[name].ask, k)) for name in SETS]
        total = sum(n for n, _ in per_set)
        return sum(n * r for n, r in per_set) / total

    taught = {name: [q for q in taught_rows.values() if set_of.get(q.id) == name] for name in SETS}
    reworded = {name: [p for p in paraphrases if set_of.get(p.id.rsplit("-", 1)[0]) == name] for name in SETS}
    counts = (sum(map(len, taught.values())), sum(map(len, reworded.values())), sum(map(len, others.values())))
    print(f"model {model.name}: {counts[0]} taught questions, {counts[1]} other wordings of them, "
          f"{counts[2]} unrelated questions")
    before = (score(taught.__getitem__, 1), score(reworded.__getitem__, 3), score(others.__getitem__, 3))
    for name in SETS:
        for q in taught[name]:
            source, snippet = q.gold[0]
            bots[name].teach(q.question, by="bench", source=source, quote=snippet)
    print(f"{'floor':>5} {'full':>5} {'margin':>6}  {'taught R@1':>10}  {'reworded R@3':>12}  {'unrelated R@3':>13}")
    print(f"{'before':>18}  {before[0]:>10.3f}  {before[1]:>12.3f}  {before[2]:>13.3f}")
    for floor, threshold, margin in itertools.product(args.floors, args.thresholds, args.margins):
        if floor >= threshold:
            continue
        retrieval.TAUGHT_FLOOR, retrieval.TAUGHT_SIMILARITY, retrieval.TAUGHT_MARGIN = floor, threshold, margin
        after = (score(taught.__getitem__, 1), score(reworded.__getitem__, 3), score(others.__getitem__, 3))
        print(f"{floor:>5.2f} {threshold:>5.2f} {margin:>6.2f}  {after[0]:>10.3f}  {after[1]:>12.3f} "
              f"({after[1] - before[1]:+.3f})  {after[2]:>13.3f} ({after[2] - before[2]:+.3f})")
    # the corrections were written into the sets' own knowledge folders, which bench/sets.py makes afresh each run


if __name__ == "__main__":
    main()
